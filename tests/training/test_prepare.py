"""`make model`'s data: the mixture, one file per source for the fine-tune command, and LEAVE_OUT.

The Amazon reviews are licensed for academic research only, so a model must be buildable without them, and what a
source adds is measured by building with and without it: that comparison is fair only if leaving a source out
changes nothing else. Runs prepare.py on the shared data (about 10 s each).
"""

import json
import subprocess
import sys

import pytest

from evaluation.data import SHARED_DATA
from tests.integration.gunicorn_process import ROOT

pytestmark = [pytest.mark.slow, pytest.mark.skipif(not (SHARED_DATA / "amazon").is_dir(), reason="needs the shared data")]


def prepare(out, *options: str) -> None:
    subprocess.run([sys.executable, "-m", "training.prepare", "--data", str(SHARED_DATA), "--out", str(out),
                    "--extra", "amazon,finance,goemotions", *options], cwd=ROOT, check=True, capture_output=True)


def rows(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    whole, without = tmp_path_factory.mktemp("whole"), tmp_path_factory.mktemp("without")
    prepare(whole)
    prepare(without, "--leave-out", "amazon")
    return whole, without


def test_each_source_has_its_file_named_by_whether_its_gold_can_be_neutral(built):
    whole, _ = built
    files = sorted(p.name for p in (whole / "train").glob("*.jsonl"))
    assert files == ["binary-imdb.jsonl", "binary-sst2.jsonl", "three-way-amazon.jsonl", "three-way-finance.jsonl",
                     "three-way-goemotions.jsonl", "three-way-sst5.jsonl", "three-way-tweets.jsonl"]
    assert {r["label"] for r in rows(whole / "train" / "binary-sst2.jsonl")} == {"negative", "positive"}
    per_source = sum(len(rows(p)) for p in (whole / "train").glob("*.jsonl"))
    assert per_source == len(rows(whole / "train.jsonl"))


def test_leaving_a_source_out_changes_no_other_row_and_no_test_set(built):
    whole, without = built
    assert not (without / "train" / "three-way-amazon.jsonl").exists()
    assert [r for r in rows(whole / "train.jsonl") if r["domain"] != "amazon"] == rows(without / "train.jsonl")
    for test_set in sorted(p.name for p in whole.glob("test_*.jsonl")) + ["calib.jsonl", "eval_mixture.jsonl"]:
        assert (whole / test_set).read_bytes() == (without / test_set).read_bytes(), test_set
    assert json.loads((without / "prepare_config.json").read_text())["left_out"] == ["amazon"]


def test_an_unknown_source_is_refused(tmp_path):
    with pytest.raises(subprocess.CalledProcessError) as refused:
        prepare(tmp_path, "--leave-out", "amazn")
    assert b"unknown --leave-out sources ['amazn']" in refused.value.stderr
