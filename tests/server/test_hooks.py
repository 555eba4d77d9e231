"""The master's on_starting hook refuses what no worker could serve, before any worker starts."""

import json
import logging
import shutil

import pytest

from sentiment_service.server.hooks import refuse_a_bad_model_directory
from sentiment_service.settings import Settings


class Server:
    log = logging.getLogger("test.master")


def with_labels(model_dir, tmp_path, labels):
    copy = tmp_path / "model"
    shutil.copytree(model_dir, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    (copy / "manifest.json").write_text(json.dumps({**manifest, "labels": labels}))
    return copy


def test_a_verified_model_starts(tiny_model_dir):
    refuse_a_bad_model_directory(Settings(model_dir=tiny_model_dir))(Server())


def test_a_tampered_model_directory_stops_the_start(tiny_model_dir, tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(tiny_model_dir, copy)
    (copy / "model.onnx").write_bytes(b"not the model")
    with pytest.raises(SystemExit) as stopped:
        refuse_a_bad_model_directory(Settings(model_dir=copy))(Server())
    assert stopped.value.code == 3


def test_binary_response_labels_refuse_a_model_without_negative_and_positive(tiny_model_dir, tmp_path, caplog):
    stars = with_labels(tiny_model_dir, tmp_path, ["1 star", "5 stars"])
    refuse_a_bad_model_directory(Settings(model_dir=stars))(Server())  # the default, all labels: fine
    with pytest.raises(SystemExit) as stopped:
        refuse_a_bad_model_directory(Settings(model_dir=stars, response_labels="binary"))(Server())
    assert stopped.value.code == 3 and "RESPONSE_LABELS=binary" in caplog.text
