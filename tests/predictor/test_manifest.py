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


def test_polarity_weights_must_name_the_models_labels_within_minus_one_to_one(tiny_model_dir, tmp_path):
    for weights, ok in (({"negative": -1, "positive": 0.5}, True), ({"neutral": 1}, False), ({"positive": 2}, False)):
        copy = tmp_path / f"model-{len(list(tmp_path.iterdir()))}"
        shutil.copytree(tiny_model_dir, copy)
        manifest = json.loads((copy / "manifest.json").read_text())
        (copy / "manifest.json").write_text(json.dumps({**manifest, "polarity": weights}))
        if ok:
            assert dict(load_manifest(copy).info.polarity_weights) == {"negative": -1.0, "positive": 0.5}
        else:
            with pytest.raises(ModelLoadError, match="polarity"):
                load_manifest(copy)
