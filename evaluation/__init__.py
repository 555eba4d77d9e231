"""Offline evaluation of a model directory on labelled JSONL, through the service's own predictor.

Not part of the service package: it runs from a checkout (`python -m evaluation FILE`), and the training
scripts and the benchmark share its helpers.
"""
