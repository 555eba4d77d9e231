"""`python -m sentiment_service.models import`: every family exports, matches its checkpoint, and serves.

The checkpoints are tiny random models the test builds (tests/models/tiny_checkpoints.py), plus the real
all-MiniLM-L6-v2 with a new head. Building and importing run in the training environment (.venv-train: torch,
transformers) as a user runs them; the imported directory is then loaded here, where neither is installed.
"""

import json
import subprocess

import pytest

from sentiment_service.predictor.scoring_core import ScoringCore
from tests.integration.gunicorn_process import ROOT

TRAIN_PYTHON = ROOT / ".venv-train" / "bin" / "python"
FAMILIES = ["bert", "distilbert", "electra", "mpnet", "roberta", "xlm-roberta", "deberta-v2"]
TEXTS = ["I loved it", "terrible service", "the meeting is at 3 pm", "wow 😍"]

pytestmark = pytest.mark.skipif(not TRAIN_PYTHON.is_file(), reason="needs the training environment: make train-venv")


def run(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(TRAIN_PYTHON), *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})


def checkpoint(tmp_path, family: str, *options: str):
    out = tmp_path / f"{family}-checkpoint"
    built = run("-m", "tests.models.tiny_checkpoints", family, str(out), *options)
    assert built.returncode == 0, built.stderr
    return out


def import_model(source, out, *options: str) -> subprocess.CompletedProcess:
    return run("-m", "sentiment_service.models", "import", str(source), "--out", str(out), *options)


@pytest.mark.parametrize("family", FAMILIES)
def test_each_family_imports_in_fp32_matching_its_checkpoint(tmp_path, family):
    out = tmp_path / "model"
    result = import_model(checkpoint(tmp_path, family), out, "--precision", "fp32")
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    report = manifest["verification"]
    assert report["passed"] and report["max_abs_probability_diff"] <= 1e-4 and report["tokenizer_agreement"] == 1.0
    assert report["batch_invariance_max_abs_diff"] <= 1e-4
    assert manifest["labels"] == ["negative", "neutral", "positive"] and manifest["precision"] == "fp32"
    core = ScoringCore.open(out)  # the service's loader: no torch here
    predictions = core.score(TEXTS)
    assert [set(p.scores) for p in predictions] == [{"negative", "neutral", "positive"}] * len(TEXTS)
    assert all(abs(sum(p.scores.values()) - 1) < 1e-6 for p in predictions)


def test_int8_is_the_default_and_is_batch_invariant(tmp_path):
    out = tmp_path / "model"
    result = import_model(checkpoint(tmp_path, "bert"), out)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["precision"] == "int8" and manifest["batch_invariant"] is True
    assert manifest["export"]["per_token_quantization"]["dynamic_quantize_linear"] > 0


# The op types of each encoder layer's feed-forward in an exported graph: MatMul where it stayed fp32.
FEED_FORWARD_OPS = """
import collections, json, onnx, sys
ops = collections.defaultdict(set)
for node in onnx.load(sys.argv[1]).graph.node:
    for layer in ("layer.0", "layer.1"):
        if f"/encoder/{layer}/intermediate/" in node.name or f"/encoder/{layer}/output/dense/" in node.name:
            ops[layer].add(node.op_type)
print(json.dumps({layer: sorted(kinds) for layer, kinds in ops.items()}))
"""


def test_int8_keeps_the_first_layers_feed_forward_in_fp32(tmp_path):
    out = tmp_path / "model"
    assert import_model(checkpoint(tmp_path, "bert"), out).returncode == 0
    ops = json.loads(run("-c", FEED_FORWARD_OPS, str(out / "model.onnx")).stdout)
    assert "MatMul" in ops["layer.0"] and "MatMulInteger" not in ops["layer.0"]
    assert "MatMulInteger" in ops["layer.1"]


def test_any_label_set_and_multi_label_sigmoids(tmp_path):
    stars = ["1 star", "2 stars", "3 stars", "4 stars", "5 stars"]
    out = tmp_path / "stars"
    weights = "1 star=-1,2 stars=-0.5,3 stars=0,4 stars=0.5,5 stars=1"
    result = import_model(checkpoint(tmp_path, "bert", "--labels", ",".join(stars)), out, "--precision", "fp32",
                          "--polarity", weights)
    assert result.returncode == 0, result.stderr
    assert json.loads((out / "manifest.json").read_text())["labels"] == stars
    info = ScoringCore.open(out).info
    assert dict(info.polarity_weights) == {"1 star": -1, "2 stars": -0.5, "3 stars": 0, "4 stars": 0.5, "5 stars": 1}
    emotions = tmp_path / "emotions"
    built = checkpoint(tmp_path, "roberta", "--labels", "joy,anger,fear", "--multi-label")
    result = import_model(built, emotions, "--precision", "fp32")
    assert result.returncode == 0, result.stderr
    core = ScoringCore.open(emotions)
    assert core.info.problem_type == "multi_label_classification"
    [prediction] = core.score(["wow, just wow"])
    assert abs(sum(prediction.scores.values()) - 1) > 1e-3, "each label has its own probability"


def test_an_export_that_misses_the_thresholds_is_refused_unless_forced(tmp_path):
    source = checkpoint(tmp_path, "bert", "--head-scale", "50")
    out = tmp_path / "model"
    refused = import_model(source, out, "--max-diff", "1e-9")  # int8 cannot be that close to fp32
    assert refused.returncode == 2 and "verification failed" in refused.stderr and not out.exists()
    forced = import_model(source, out, "--max-diff", "1e-9", "--force")
    assert forced.returncode == 0 and "WARNING: written with --force" in forced.stderr
    assert json.loads((out / "manifest.json").read_text())["verification"]["forced"] is True


def test_an_existing_directory_is_never_overwritten(tmp_path):
    out = tmp_path / "model"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = import_model(tmp_path / "nowhere", out)
    assert result.returncode == 2 and "already exists" in result.stderr
    assert (out / "keep.txt").read_text() == "mine"


def test_an_architecture_that_is_no_text_classifier_gets_an_error_naming_it(tmp_path):
    source = tmp_path / "vision"
    source.mkdir()
    (source / "config.json").write_text(json.dumps({"model_type": "vit", "architectures": ["ViTForImageClassification"]}))
    result = import_model(source, tmp_path / "model")
    assert result.returncode == 3 and "ViTForImageClassification" in result.stderr


def test_all_minilm_l6_v2_with_a_new_head_imports_in_int8(tmp_path):
    out = tmp_path / "minilm"
    result = import_model(checkpoint(tmp_path, "minilm"), out, "--name", "minilm-new-head")
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["verification"]["passed"] and manifest["max_length"] == 512  # its tokenizer's limit
    assert ScoringCore.open(out).score(TEXTS)[0].label in {"negative", "neutral", "positive"}
