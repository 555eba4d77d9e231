"""HTTP layer: validates requests, calls the predictor, shapes responses. Knows nothing of ONNX."""
