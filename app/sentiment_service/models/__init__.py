"""Model directories made from Hugging Face text classifiers: export to ONNX, quantize per token, verify, package.

    python -m sentiment_service.models import SRC --out DIR [--precision int8|fp32] [--probe FILE.jsonl] [--force]

Needs the training environment (torch and transformers: `make train-venv`); the service never imports this
package, and serves what it writes with neither.
"""
