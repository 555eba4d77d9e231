"""The score command end to end: files in, files out, through worker processes and the service's predictor."""

import json
import signal
import subprocess
import sys

import pyarrow.parquet as pq
import pytest

from sentiment_service.bulk import tables
from sentiment_service.bulk.cli import Job, score_file
from sentiment_service.bulk.tables import BadInput
from tests.bulk.conftest import ROOT, SHIPPED_MODEL, SST2_DEV, read_rows, run_command, service_predictions, write_rows

ADDED = ["label", "score", "p_negative", "p_positive", "truncated", "error"]
ROWS = [{"id": 1, "text": "i loved it", "lang": "en"}, {"id": 2, "text": "terrible waste of money", "lang": "en"},
        {"id": 3, "text": "", "lang": "en"}, {"id": 4, "text": None, "lang": None},
        {"id": 5, "text": "good " * 40, "lang": "en"}, {"id": 6, "text": "x" * 300, "lang": "en"}]


def job(source, target, model_dir, **overrides) -> Job:
    fields = {"source": source, "target": target, "source_format": tables.detect_format(source, None),
              "target_format": tables.detect_format(target, None), "text_column": "text", "model_dir": model_dir,
              "workers": 1, "max_text_chars": 200} | overrides
    return Job(**fields)


def leftovers(directory) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".partial"))


@pytest.mark.parametrize(("source_suffix", "target_suffix"),
                         [(".csv", ".csv"), (".jsonl", ".jsonl"), (".parquet", ".parquet"), (".jsonl", ".parquet"), (".parquet", ".csv")])
def test_every_input_column_is_kept_and_results_added(tmp_path, tiny_model_dir, tiny_predictor, source_suffix, target_suffix):
    source = write_rows(tmp_path / f"in{source_suffix}", ROWS)
    target = tmp_path / f"out{target_suffix}"
    summary = score_file(job(source, target, tiny_model_dir))
    rows = read_rows(target)
    assert list(rows[0]) == ["id", "text", "lang", *ADDED]
    assert [str(r["id"]) for r in rows] == ["1", "2", "3", "4", "5", "6"]
    expected = tiny_predictor.predict(["i loved it", "terrible waste of money", "good " * 40])
    for row, prediction in zip([rows[0], rows[1], rows[4]], expected):
        assert row["label"] == prediction.label and row["error"] in (None, "")
        assert row["p_positive"] == pytest.approx(prediction.scores["positive"], abs=1e-6)
        assert row["score"] == pytest.approx(prediction.score, abs=1e-6)
    assert rows[4]["truncated"] is False  # longer than the tiny model's window, and read whole
    assert [rows[i]["error"] for i in (2, 3, 5)] == ["empty_text", "missing_text", "text_too_long"]
    assert all(rows[i]["label"] in (None, "") for i in (2, 3, 5))
    assert (summary.rows, summary.scored, summary.truncated) == (6, 3, 0)
    assert summary.errors == {"empty_text": 1, "missing_text": 1, "text_too_long": 1}
    assert leftovers(tmp_path) == []


def test_long_text_truncate_reads_the_first_window_and_counts_it(tmp_path, tiny_model_dir, tiny_predictor):
    source = write_rows(tmp_path / "in.jsonl", ROWS)
    summary = score_file(job(source, tmp_path / "out.jsonl", tiny_model_dir, long_text="truncate"))
    rows = read_rows(tmp_path / "out.jsonl")
    [expected] = tiny_predictor.predict(["good " * 40], long_text="truncate")
    assert rows[4]["truncated"] is True and rows[4]["p_positive"] == expected.scores["positive"]
    assert summary.truncated == 1 and "sentences" not in rows[0]


def test_many_chunks_on_two_workers_come_back_in_order(tmp_path, tiny_model_dir, tiny_predictor):
    texts = [("good " * (i % 7)) + ("awful " * (i % 3)) + f"movie {i}" for i in range(500)]
    source = write_rows(tmp_path / "in.jsonl", [{"n": i, "text": t} for i, t in enumerate(texts)])
    score_file(job(source, tmp_path / "out.jsonl", tiny_model_dir, workers=2, chunk_rows=37))
    rows = read_rows(tmp_path / "out.jsonl")
    assert [r["n"] for r in rows] == list(range(500))
    assert [r["label"] for r in rows] == [p.label for p in tiny_predictor.predict(texts)]


def test_jsonl_values_of_any_type_are_rows_with_an_error(tmp_path, tiny_model_dir):
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "good"}\n{"text": 5}\n{"text": ["a"]}\n{"other": 1}\n{"text": "bad \\ud800"}\n')
    summary = score_file(job(source, tmp_path / "out.jsonl", tiny_model_dir))
    assert [r["error"] for r in read_rows(tmp_path / "out.jsonl")] == [None, "not_a_string", "not_a_string", "missing_text", "invalid_text"]
    assert summary.scored == 1


def test_a_csv_with_only_a_header_gives_a_header_with_the_added_columns(tmp_path, tiny_model_dir):
    (tmp_path / "in.csv").write_text("id,text\n")
    score_file(job(tmp_path / "in.csv", tmp_path / "out.csv", tiny_model_dir))
    assert (tmp_path / "out.csv").read_text().splitlines() == ['"id","text",' + ",".join(f'"{c}"' for c in ADDED)]


def test_an_input_column_named_like_a_result_needs_a_prefix(tmp_path, tiny_model_dir):
    source = write_rows(tmp_path / "in.jsonl", [{"text": "good", "label": "positive"}])
    with pytest.raises(BadInput, match="already has a column named 'label'; pass --prefix"):
        score_file(job(source, tmp_path / "out.jsonl", tiny_model_dir))
    assert not (tmp_path / "out.jsonl").exists() and leftovers(tmp_path) == []
    score_file(job(source, tmp_path / "out.jsonl", tiny_model_dir, prefix="pred_"))
    assert read_rows(tmp_path / "out.jsonl")[0]["pred_label"] == "positive"


def test_a_file_that_breaks_half_way_leaves_no_output(tmp_path, tiny_model_dir):
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "good"}\n' * 100 + "{not json\n")
    with pytest.raises(BadInput, match="line 101 is not valid JSON"):
        score_file(job(source, tmp_path / "out.jsonl", tiny_model_dir, chunk_rows=10))
    assert not (tmp_path / "out.jsonl").exists() and leftovers(tmp_path) == []


def test_a_bad_model_directory_is_refused_before_any_work(tmp_path):
    source = write_rows(tmp_path / "in.jsonl", [{"text": "good"}])
    with pytest.raises(BadInput, match="does not exist"):
        score_file(job(source, tmp_path / "out.jsonl", tmp_path / "no-model"))


@pytest.mark.parametrize(("args", "message"), [
    (["missing.csv", "out.csv"], "error: cannot read missing.csv: No such file or directory"),
    (["in.csv", "out.csv", "--text-column", "review"], "has no column 'review' (columns: id, text)"),
    (["in.csv", "out.txt"], "cannot tell the format of out.txt from its extension; pass --output-format"),
    (["in.csv", "in.csv"], "is the input file"),
    (["in.csv", "no-such-dir/out.csv"], "directory no-such-dir does not exist"),
])
def test_bad_input_exits_2_with_one_line(tmp_path, tiny_model_dir, args, message):
    (tmp_path / "in.csv").write_text("id,text\n1,good\n")
    result = subprocess.run([sys.executable, "-m", "sentiment_service.bulk", "score", *args, "--model-dir", str(tiny_model_dir)],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert leftovers(tmp_path) == []


def test_the_command_prints_a_summary_and_progress_lines(tmp_path, tiny_model_dir):
    source = write_rows(tmp_path / "in.csv", [{"text": "good"}, {"text": ""}] * 50)
    result = run_command("score", str(source), str(tmp_path / "out.parquet"), "--model-dir", str(tiny_model_dir),
                         "--chunk-rows", "10", "--progress-interval", "0")
    assert result.returncode == 0, result.stderr
    assert "100 rows" in result.stdout and "50 scored" in result.stdout and "50 errors (empty_text 50)" in result.stdout
    assert "progress: scored 10 texts" in result.stderr and "ETA" in result.stderr  # plain lines: stderr is not a terminal
    assert pq.read_table(tmp_path / "out.parquet").num_rows == 100


def test_ctrl_c_leaves_nothing_under_the_final_name(tmp_path):
    rows = [{"text": f"review number {i}: the plot was thin but i loved the cast"} for i in range(30_000)]
    source = write_rows(tmp_path / "in.csv", rows)
    target = tmp_path / "out.csv"
    process = subprocess.Popen([sys.executable, "-m", "sentiment_service.bulk", "score", str(source), str(target),
                                "--model-dir", str(SHIPPED_MODEL), "--chunk-rows", "256", "--progress-interval", "0"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        for line in process.stderr:  # scoring has started and the temporary output is being written
            if line.startswith("progress:"):
                break
        assert leftovers(tmp_path), "the run writes to a temporary file beside the output"
        process.send_signal(signal.SIGINT)
        stderr = process.communicate(timeout=60)[1]
    finally:
        process.kill()
    assert process.returncode == 130
    assert "interrupted" in stderr
    assert not target.exists() and leftovers(tmp_path) == []


def start_long_run(tmp_path, model_dir) -> subprocess.Popen:
    """The command on 200,000 rows of in.jsonl (long enough to be stopped half-way), writing out.jsonl."""
    source = write_rows(tmp_path / "in.jsonl", [{"text": "good movie"}] * 200_000)
    return subprocess.Popen([sys.executable, "-m", "sentiment_service.bulk", "score", str(source), str(tmp_path / "out.jsonl"),
                             "--model-dir", str(model_dir), "--chunk-rows", "1000", "--progress-interval", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


def test_sigterm_cleans_up_like_ctrl_c(tmp_path, tiny_model_dir):
    process = start_long_run(tmp_path, tiny_model_dir)
    try:
        process.stderr.readline()
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130 and not (tmp_path / "out.jsonl").exists() and leftovers(tmp_path) == []


def test_a_worker_killed_mid_run_stops_the_command_with_its_exit_code(tmp_path, tiny_model_dir):
    process = start_long_run(tmp_path, tiny_model_dir)
    try:
        process.stderr.readline()  # scoring has started
        workers = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True).stdout.split()
        assert len(workers) >= 1
        subprocess.run(["kill", "-9", workers[0]], check=True)
        stderr = process.communicate(timeout=60)[1]
    finally:
        process.kill()
    assert process.returncode == 1
    assert "exited with code -9" in stderr and "killed for memory?" in stderr
    assert not (tmp_path / "out.jsonl").exists() and leftovers(tmp_path) == []


def test_shipped_model_end_to_end_matches_the_service_predictor(tmp_path):
    """One chunk holds every text, so the service's batching forms the same inference calls on both sides: the int8
    model's probabilities depend on which texts share a call, so equal calls are what make equal scores."""
    texts = [json.loads(line)["text"] for line in SST2_DEV.read_text().splitlines()[:200]] if SST2_DEV.is_file() else \
        ["a charming and often affecting journey", "the plot is thin and the jokes fall flat", "i loved every minute"] * 20
    source = write_rows(tmp_path / "in.parquet", [{"text": t} for t in texts] + [{"text": None}])
    summary = score_file(job(source, tmp_path / "out.parquet", SHIPPED_MODEL, workers=2, max_text_chars=20_000))
    expected = service_predictions(texts)
    rows = read_rows(tmp_path / "out.parquet")
    assert summary.scored == len(texts) and rows[-1]["error"] == "missing_text"
    for row, prediction in zip(rows, expected):
        assert row["label"] == prediction.label
        assert abs(row["p_negative"] - prediction.scores["negative"]) < 1e-6
        assert abs(row["p_positive"] - prediction.scores["positive"]) < 1e-6


@pytest.mark.skipif(not SST2_DEV.is_file(), reason=f"SST-2 dev not found at {SST2_DEV}: shared data is not checked out")
def test_shipped_model_accuracy_on_sst2_dev_through_the_command(tmp_path):
    summary = score_file(job(SST2_DEV, tmp_path / "out.jsonl", SHIPPED_MODEL, workers=2, max_text_chars=20_000, prefix="pred_"))
    rows = read_rows(tmp_path / "out.jsonl")
    # SST-2 has no neutral gold: scored as the model card scores it, the likelier of negative and positive.
    binary = ["positive" if r["pred_p_positive"] > r["pred_p_negative"] else "negative" for r in rows]
    accuracy = sum(r["label"] == predicted for r, predicted in zip(rows, binary)) / len(rows)
    assert summary.rows == len(rows) == 872 and accuracy > 0.88
