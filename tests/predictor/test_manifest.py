import json
import shutil

import pytest

from sentiment_service.predictor.contract import ModelLoadError
from sentiment_service.predictor.manifest import load_manifest


@pytest.fixture
def model_copy(tiny_model_dir, tmp_path):
    return shutil.copytree(tiny_model_dir, tmp_path / "model")


def test_a_matching_directory_loads(model_copy):
    manifest = load_manifest(model_copy)
    assert manifest.info.labels == ("negative", "positive")
    assert manifest.model_file.name == "model.onnx"


def test_a_changed_file_is_refused(model_copy):
    with (model_copy / "model.onnx").open("ab") as f:
        f.write(b"\0")
    with pytest.raises(ModelLoadError, match="does not match its manifest"):
        load_manifest(model_copy)


def test_a_missing_file_is_refused(model_copy):
    (model_copy / "tokenizer.json").unlink()
    with pytest.raises(ModelLoadError, match="missing"):
        load_manifest(model_copy)


def test_missing_directory_and_manifest(tmp_path, model_copy):
    with pytest.raises(ModelLoadError, match="does not exist"):
        load_manifest(tmp_path / "nowhere")
    (model_copy / "manifest.json").unlink()
    with pytest.raises(ModelLoadError, match="manifest"):
        load_manifest(model_copy)


def test_a_malformed_manifest_is_refused(model_copy):
    (model_copy / "manifest.json").write_text(json.dumps({"name": "x"}))
    with pytest.raises(ModelLoadError, match="malformed"):
        load_manifest(model_copy)
