"""Predictor core: model artifacts in, labels and probabilities out. Knows nothing of HTTP."""
