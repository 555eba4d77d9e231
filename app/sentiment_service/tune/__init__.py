"""Fine-tune a model on labelled rows of a new domain and package it as a verified model directory.

    python -m sentiment_service.tune TRAIN [TRAIN ...] --out DIR [--from MODEL_DIR] [--eval FILE]

Needs the training environment (torch and transformers: `make train-venv`). Only this package and
sentiment_service/models import torch; the service never imports either, and serves what they write without it.
"""
