"""Moved to sentiment_service/tune/warm_start.py (the fine-tune command uses it too); this name is kept for the
2.0.0 model card and the make model recipe, which cite it."""

from sentiment_service.tune.warm_start import state_dict_from_onnx, widen_head

__all__ = ["state_dict_from_onnx", "widen_head"]
