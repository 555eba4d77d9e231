"""The master's hooks: on_starting refuses what no worker could serve, before any worker starts; on_reload (HUP)
says what the new workers will load, and never stops the master."""

import json
import logging
import shutil

import pytest

from sentiment_service.server.hooks import refuse_bad_model_directories, report_models_on_reload
from sentiment_service.settings import Settings


class Server:
    log = logging.getLogger("test.master")


@pytest.fixture(autouse=True)
def master_log(caplog):
    caplog.set_level(logging.INFO, logger="test.master")


def model_copy(model_dir, destination, **manifest_fields):
    """A copy of `model_dir` whose manifest has these fields changed (the manifest itself is not hashed)."""
    shutil.copytree(model_dir, destination)
    manifest = json.loads((destination / "manifest.json").read_text())
    (destination / "manifest.json").write_text(json.dumps({**manifest, **manifest_fields}))
    return destination


def refuses(settings) -> bool:
    with pytest.raises(SystemExit) as stopped:
        refuse_bad_model_directories(settings)(Server())
    return stopped.value.code == 3


def test_a_verified_model_starts(tiny_model_dir):
    refuse_bad_model_directories(Settings(model_dir=tiny_model_dir))(Server())


def test_a_tampered_model_directory_stops_the_start(tiny_model_dir, tmp_path):
    copy = model_copy(tiny_model_dir, tmp_path / "model")
    (copy / "model.onnx").write_bytes(b"not the model")
    assert refuses(Settings(model_dir=copy))


def test_binary_response_labels_refuse_a_model_without_negative_and_positive(tiny_model_dir, tmp_path, caplog):
    stars = model_copy(tiny_model_dir, tmp_path / "model", labels=["1 star", "5 stars"])
    refuse_bad_model_directories(Settings(model_dir=stars))(Server())  # the default, all labels: fine
    assert refuses(Settings(model_dir=stars, response_labels="binary"))
    assert "RESPONSE_LABELS=binary" in caplog.text


def test_a_models_dir_starts_with_a_default_and_refuses_without_one(tiny_model_dir, tmp_path, caplog):
    model_copy(tiny_model_dir, tmp_path / "models" / "a", name="first")
    model_copy(tiny_model_dir, tmp_path / "models" / "b", name="second")
    refuse_bad_model_directories(Settings(models_dir=tmp_path / "models", default_model="second"))(Server())
    assert "model first 0.0.1 verified" in caplog.text and "model second 0.0.1 verified" in caplog.text
    assert refuses(Settings(models_dir=tmp_path / "models"))
    assert "set DEFAULT_MODEL" in caplog.text
    assert refuses(Settings(models_dir=tmp_path / "models", default_model="third"))


def test_two_models_of_one_name_or_an_empty_models_dir_stop_the_start(tiny_model_dir, tmp_path, caplog):
    model_copy(tiny_model_dir, tmp_path / "models" / "a")
    model_copy(tiny_model_dir, tmp_path / "models" / "b")
    assert refuses(Settings(models_dir=tmp_path / "models", default_model="tiny-test"))
    assert "same name" in caplog.text
    (tmp_path / "empty").mkdir()
    assert refuses(Settings(models_dir=tmp_path / "empty"))
    assert "holds no model directory" in caplog.text


def test_a_reload_onto_a_bad_model_is_reported_not_raised(tiny_model_dir, tmp_path, caplog):
    copy = model_copy(tiny_model_dir, tmp_path / "model")
    report_models_on_reload(Settings(model_dir=copy))(Server())
    assert "reload: model tiny-test 0.0.1 verified" in caplog.text
    (copy / "model.onnx").write_bytes(b"not the model")
    report_models_on_reload(Settings(model_dir=copy))(Server())  # must not raise: that would stop the master
    assert "the new workers will not be ready" in caplog.text
