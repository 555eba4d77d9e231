"""A tiny BERT-style sequence-classification model and tokenizer, built in milliseconds for tests.

Same contract as a real export (input_ids, attention_mask, optional token_type_ids -> logits), with
hand-set weights so that a few words carry sentiment: tests can assert sane labels, not just shapes.
"""

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

from sentiment_service.predictor.manifest import write_manifest

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
POSITIVE = ["good", "great", "love", "loved", "excellent", "happy"]
NEGATIVE = ["bad", "terrible", "awful", "hate", "waste", "boring"]
NEUTRAL = ["the", "a", "movie", "it", "was", "is", "i", "of", "money", "and", "this", "film", "very", "not"]
VOCAB = SPECIAL + POSITIVE + NEGATIVE + NEUTRAL + [",", ".", "!"]
HIDDEN = 4


def build_tokenizer(max_length: int) -> Tokenizer:
    tokenizer = Tokenizer(models.WordPiece({t: i for i, t in enumerate(VOCAB)}, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    # Like the shipped all-MiniLM tokenizer.json: fixed padding the service must switch off.
    tokenizer.enable_padding(length=128, pad_id=0, pad_token="[PAD]")
    tokenizer.enable_truncation(max_length=max_length)
    return tokenizer


def build_graph(with_token_type_ids: bool) -> onnx.ModelProto:
    embeddings = np.zeros((len(VOCAB), HIDDEN), dtype=np.float32)
    for word in POSITIVE:
        embeddings[VOCAB.index(word), 0] = 4.0
    for word in NEGATIVE:
        embeddings[VOCAB.index(word), 1] = 4.0
    embeddings[:, 2] = 0.1  # every token counts toward a small positive prior
    weights = np.array([[-1, 1], [1, -1], [-0.5, 0.5], [0, 0]], dtype=np.float32)  # -> [negative, positive]
    inputs = [helper.make_tensor_value_info(n, TensorProto.INT64, ["batch", "sequence"])
              for n in ("input_ids", "attention_mask") + (("token_type_ids",) if with_token_type_ids else ())]
    # token_type_ids, when present, is consumed (so the input is real) but adds nothing: type ids are zero.
    typed = ["tokens_typed"] if with_token_type_ids else ["tokens"]
    nodes = [
        helper.make_node("Gather", ["embeddings", "input_ids"], ["tokens"]),
        helper.make_node("Cast", ["attention_mask"], ["mask_f"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask_f", "last_axis"], ["mask_3d"]),
        helper.make_node("Mul", typed + ["mask_3d"], ["masked"]),
        helper.make_node("ReduceSum", ["masked", "seq_axis"], ["summed"], keepdims=0),
        helper.make_node("ReduceSum", ["mask_3d", "seq_axis"], ["count"], keepdims=0),
        helper.make_node("Div", ["summed", "count"], ["pooled"]),
        helper.make_node("MatMul", ["pooled", "classifier"], ["logits"]),
    ]
    if with_token_type_ids:
        nodes[1:1] = [helper.make_node("Gather", ["type_embeddings", "token_type_ids"], ["types"]),
                      helper.make_node("Add", ["tokens", "types"], ["tokens_typed"])]
    initializers = [
        numpy_helper.from_array(embeddings, "embeddings"),
        numpy_helper.from_array(weights, "classifier"),
        numpy_helper.from_array(np.array([-1], dtype=np.int64), "last_axis"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "seq_axis"),
    ]
    if with_token_type_ids:
        initializers.append(numpy_helper.from_array(np.zeros((2, HIDDEN), dtype=np.float32), "type_embeddings"))
    graph = helper.make_graph(nodes, "tiny-sentiment", inputs,
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 2])], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def build_tiny_model(directory: Path, *, max_length: int = 16, with_token_type_ids: bool = False) -> Path:
    """Write model.onnx, tokenizer.json and manifest.json into directory and return it."""
    directory.mkdir(parents=True, exist_ok=True)
    onnx.save(build_graph(with_token_type_ids), directory / "model.onnx")
    build_tokenizer(max_length).save(str(directory / "tokenizer.json"))
    write_manifest(directory, {"name": "tiny-test", "version": "0.0.1", "labels": ["negative", "positive"],
                               "max_length": max_length}, "model.onnx", "tokenizer.json")
    return directory
