"""`python -m sentiment_service.tune`, run as a user runs it: in the training environment, on a tiny random BERT.

The checkpoint comes from tests/models/tiny_checkpoints.py (its tokenizer knows the sentences below); a few dozen rows
and a large learning rate let it learn them in about a hundred steps of a second or two. The written directory is
then loaded here, where neither torch nor transformers is installed, with the service's own loader.
"""

import csv
import json
import signal
import subprocess
import time

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sentiment_service.predictor.scoring_core import ScoringCore
from tests.integration.gunicorn_process import ROOT
from tests.models.test_import import TRAIN_PYTHON, checkpoint, run

pytestmark = pytest.mark.skipif(not TRAIN_PYTHON.is_file(), reason="needs the training environment: make train-venv")

SENTENCES = {
    "positive": ["I loved this film, the acting was great.", "not bad at all, really", "The checkout was quick and painless.",
                 "wow, just wow 😍", "5 stars, would buy again", "Der Film war gut."],
    "negative": ["Terrible service and a waste of money.", "Worst stay of my life, bedbugs everywhere!",
                 "Would not recommend this to anyone."],
    "neutral": ["The meeting is at 3 pm.", "Shares rose 4% after the earnings call.", "C'était correct.",
                "It arrived on time and works."],
}
MIXED = ["The checkout was quick and painless. Terrible service and a waste of money.",
         "I loved this film, the acting was great. Would not recommend this to anyone."]
# A tiny random model learns these rows in about a hundred steps at this rate; MiniLM's default would take thousands.
# At 1e-2 it learned them on some seeds and machines and diverged on others; 3e-3 learned them on every seed tried.
FAST = ["--epochs", "30", "--batch-size", "8", "--learning-rate", "3e-3", "--threads", "1"]


def rows() -> list[tuple[str, str]]:
    return [(text, label) for label, texts in SENTENCES.items() for text in texts]


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory):
    return checkpoint(tmp_path_factory.mktemp("tiny"), "bert")


@pytest.fixture
def data(tmp_path):
    """A CSV of three copies of each sentence, a JSONL of a new label, and a Parquet evaluation file of each once."""
    train = tmp_path / "reviews.csv"
    with train.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["review", "sentiment"])
        writer.writerows(rows() * 3)
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text("".join(json.dumps({"review": t, "sentiment": "mixed"}) + "\n" for t in MIXED * 3), encoding="utf-8")
    evaluation = tmp_path / "dev.parquet"
    pq.write_table(pa.table({"review": [t for t, _ in rows()] + MIXED,
                             "sentiment": [label for _, label in rows()] + ["mixed"] * len(MIXED)}), evaluation)
    return {"train": train, "mixed": mixed, "eval": evaluation}


def tune(*args) -> subprocess.CompletedProcess:
    return run("-m", "sentiment_service.tune", *map(str, args), timeout=300)


def test_csv_and_jsonl_train_a_new_label_evaluated_on_parquet_and_the_service_serves_it(tmp_path, tiny_bert, data):
    out = tmp_path / "reviews-model"
    result = tune(data["train"], data["mixed"], "--from", tiny_bert, "--eval", data["eval"], "--add-labels",
                  "--text-column", "review", "--label-column", "sentiment", "--out", out, "--patience", "0", *FAST)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["labels"] == ["negative", "neutral", "positive", "mixed"] and manifest["tuning"]["new_labels"] == ["mixed"]
    assert manifest["verification"]["passed"] and manifest["batch_invariant"]
    # int8 where it passes the import's check; a tiny model trained this hard is often too confident for it (fp32).
    assert manifest["precision"] == ("fp32" if manifest["tuning"]["precision"]["int8_missed"] else "int8")
    evaluation = manifest["metrics"]["evaluation"]
    assert evaluation["rows"] == len(rows()) + len(MIXED) and evaluation["split"] == "file"
    assert evaluation["after"]["macro_recall"] > evaluation["before"]["macro_recall"] + 0.2, evaluation
    assert evaluation["before"]["recall"]["mixed"] == 0.0, "the starting model cannot answer a label it lacks"
    assert [f["rows"] for f in manifest["tuning"]["train"]] == [len(rows()) * 3, len(MIXED) * 3]
    card = (out / "MODEL_CARD.md").read_text()
    assert f"| macro recall | {evaluation['before']['macro_recall']:.4f} | {evaluation['after']['macro_recall']:.4f} |" in card
    assert f"-> {evaluation['after']['macro_recall']:.4f}" in result.stdout
    temperature = manifest["tuning"]["temperature"]
    assert manifest["temperature"] == temperature["value"] and temperature["nll"] <= temperature["nll_at_1"]
    assert f"temperature of {temperature['value']}" in card
    assert not (tmp_path / "reviews-model.work").exists(), "the checkpoints go once the model directory is written"
    core = ScoringCore.open(out)  # the service's loader, without torch
    assert core.score([MIXED[0]])[0].label in manifest["labels"]


def test_labels_the_model_lacks_are_refused_before_anything_is_written(tmp_path, tiny_bert, data):
    out = tmp_path / "model"
    result = tune(data["train"], data["mixed"], "--from", tiny_bert, "--text-column", "review", "--label-column",
                  "sentiment", "--out", out)
    assert result.returncode == 2
    assert "mixed.jsonl: mixed" in result.stderr and "negative, neutral, positive" in result.stderr
    assert "--add-labels" in result.stderr and not out.exists() and not (tmp_path / "model.work").exists()


def test_an_existing_directory_is_never_overwritten(tmp_path, tiny_bert, data):
    out = tmp_path / "model"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = tune(data["train"], "--from", tiny_bert, "--text-column", "review", "--label-column", "sentiment", "--out", out)
    assert result.returncode == 2 and "already exists" in result.stderr
    assert [p.name for p in out.iterdir()] == ["keep.txt"] and (out / "keep.txt").read_text() == "mine"


def wait_for(path, process: subprocess.Popen) -> None:
    """Until the file exists; fails at once if the process ends first."""
    while not path.exists():
        if process.poll() is not None:
            pytest.fail(f"the run ended ({process.returncode}) before writing {path.name}: {process.stderr.read()}")
        time.sleep(0.05)


def test_an_interrupted_run_resumes_from_its_checkpoint(tmp_path, tiny_bert, data):
    out = tmp_path / "model"
    # Many more steps than the first checkpoint needs, so the run is still training when the signal arrives. So many
    # steps make a tiny random model over-confident, which int8 follows less closely than the export's default check
    # asks (int8 fidelity is tests/models' subject, not this test's): --max-diff.
    args = [data["train"], "--from", tiny_bert, "--text-column", "review", "--label-column", "sentiment", "--out", out,
            "--patience", "0", "--checkpoint-every", "5", "--eval-every", "50", "--max-diff", "0.9", *FAST, "--epochs", "100"]
    first = subprocess.Popen([str(TRAIN_PYTHON), "-m", "sentiment_service.tune", *map(str, args)], cwd=ROOT, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    wait_for(tmp_path / "model.work" / "checkpoint.pt", first)
    first.send_signal(signal.SIGINT)
    stdout, stderr = first.communicate(timeout=120)
    assert first.returncode == 130, stderr
    interrupted_at = int(stderr.split("interrupted at step ")[1].split("/")[0])
    assert "run the same command again to resume" in stderr and not out.exists()

    other = tune(*args[:-1], "101")  # another schedule is another run: its checkpoint must not be taken for this one
    assert other.returncode == 2 and "other settings (schedule differ)" in other.stderr

    resumed = tune(*args)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resumed at step {interrupted_at}/" in resumed.stdout
    run_record = json.loads((out / "manifest.json").read_text())["tuning"]["run"]
    assert run_record["steps"] == run_record["total_steps"] > interrupted_at
    assert run_record["validation_history"][0]["step"] == 0, "the history from before the interruption is kept"


def test_an_int8_export_that_misses_the_check_is_refused_or_written_as_fp32(tmp_path, tiny_bert, data):
    out = tmp_path / "model"
    # A trained model's int8 probabilities are never within 1e-4 of its fp32 ones; fp32's are (the fp32 threshold).
    args = [data["train"], "--from", tiny_bert, "--text-column", "review", "--label-column", "sentiment", "--out", out,
            "--max-diff", "1e-4", *FAST, "--epochs", "3"]
    refused = tune(*args, "--precision", "int8")
    assert refused.returncode == 2 and "the export failed its check" in refused.stderr and not out.exists()
    assert "--precision auto or fp32" in refused.stderr and (tmp_path / "model.work" / "checkpoint.pt").is_file()

    written = tune(*args)  # --precision auto, the default: the same checkpoints, exported without training again
    assert written.returncode == 0, written.stderr
    assert "(training had ended)" in written.stdout and "WARNING: int8 missed the export check" in written.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["precision"] == "fp32" and manifest["verification"]["passed"]
    assert "largest probability difference" in manifest["tuning"]["precision"]["int8_missed"]
    assert "fp32, because int8 missed the export check" in (out / "MODEL_CARD.md").read_text()


def test_a_spent_time_budget_ends_training_and_exports_the_best_weights_so_far(tmp_path, tiny_bert, data):
    out = tmp_path / "model"
    result = tune(data["train"], "--from", tiny_bert, "--text-column", "review", "--label-column", "sentiment", "--out", out,
                  "--time-budget", "0", "--precision", "fp32", *FAST)
    assert result.returncode == 0, result.stderr
    run_record = json.loads((out / "manifest.json").read_text())["tuning"]["run"]
    assert run_record["stopped_by"] == "time budget" and run_record["steps"] == 1 < run_record["total_steps"]
    assert [entry["step"] for entry in run_record["validation_history"]] == [0, 1]
