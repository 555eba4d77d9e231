"""Every measured figure lives in bench/measurements.json: documents quote it, and deployments are sized from it."""

import re

import pytest
import yaml

from bench import measurements, quote, sizing
from bench.measurements import Figure
from tests.integration.gunicorn_process import ROOT

# What a deployment is planned from; `make bench` must keep measuring each of them.
HEADLINE = ["ours_predict_c16_rps", "ours_reviews_rps", "ours_worker_rss_mib", "ours_worker_peak_rss_mib",
            "ours_master_rss_mib", "ours_cold_start_s", "image_added_mb", "bulk_score_texts_per_s", "bulk_csv_peak_rss_mb"]
QUOTED = re.compile(r"<!-- fig:.*?<!-- /fig -->|<!-- table:.*?<!-- /table -->", re.S)


@pytest.fixture(scope="module")
def figures():
    return quote.all_figures()


def test_the_file_has_every_headline_figure_with_its_run():
    data = measurements.load()
    missing = [key for key in HEADLINE if key not in data["figures"]]
    assert not missing, f"bench/measurements.json lacks {missing}"
    for key, figure in data["figures"].items():
        assert figure["source"] in data["runs"], f"{key} names no recorded run"
        assert figure["what"] and figure["unit"], key


def test_every_document_agrees_with_the_file():
    assert quote.disagreements() == []


def test_a_document_that_disagrees_is_caught(figures):
    text = "capacity <!-- fig:ours_predict_c16_rps -->1.0 req/s<!-- /fig -->"
    assert quote.render(text, figures) != text
    with pytest.raises(quote.UnknownFigure):
        quote.render("<!-- fig:no_such_figure -->1<!-- /fig -->", figures)


@pytest.mark.parametrize("document", quote.DOCUMENTS)
def test_no_document_copies_a_measured_figure_by_hand(document, figures):
    """A measured number outside a quote is a hand copy that will drift (numbers short enough to be anything
    else, such as "56.0" or "0.58", are left out of this check)."""
    unquoted = QUOTED.sub("", (ROOT / document).read_text(encoding="utf-8"))
    copies = []
    for key, figure in measurements.load()["figures"].items():
        text = quote.number(Figure(figure["value"], figure["unit"], figure["what"], figure.get("digits", 1)))
        if len(text.replace(",", "").replace(".", "")) >= 4 and re.search(rf"(?<![\d.,]){re.escape(text)}(?![\d]|\.\d)", unquoted):
            copies.append(f"{key} ({text})")
    assert not copies, f"{document} copies measured figures by hand instead of quoting them: {copies}"


def test_the_deployment_holds_the_memory_the_sizing_rule_asks_for(figures):
    deployment = yaml.safe_load((ROOT / "deploy/kubernetes/base/deployment.yaml").read_text())
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    limits = container["resources"]["limits"]
    assert int(limits["cpu"]) == sizing.WORKERS_PER_REPLICA, "the sizing rule plans a replica as this many workers"
    amount, unit = re.fullmatch(r"(\d+)(Gi|Mi)", limits["memory"]).groups()
    limit_mib = int(amount) * (1024 if unit == "Gi" else 1)
    assert limit_mib >= figures["replica_memory_plan_mib"].value, (
        f"memory limit {limit_mib} MiB is below the planned {figures['replica_memory_plan_mib'].value:.0f} MiB "
        "(bench/sizing.py from bench/measurements.json)")


def test_replicas_follow_the_sizing_rule():
    assert sizing.replicas_for(1000, 345.6) == 6, "ceil(1000 / (0.7 x 345.6)) + 1"
    assert sizing.replicas_for(100, 1000) == 2, "one spare replica even when one would carry the load"


def test_record_replaces_only_the_figures_of_its_own_run(tmp_path):
    path = tmp_path / "measurements.json"
    measurements.record({"a": Figure(1.0, "x", "a"), "b": Figure(2.0, "x", "b")}, "bench.run", "c1", path)
    measurements.record({"z": Figure(9.0, "x", "z")}, "bench.bulk", "c2", path)
    measurements.record({"a": Figure(3.0, "x", "a")}, "bench.run", "c3", path)
    data = measurements.load(path)
    assert {key: f["value"] for key, f in data["figures"].items()} == {"a": 3.0, "z": 9.0}
    assert data["runs"]["bench.run"]["commit"] == "c3" and data["runs"]["bench.bulk"]["commit"] == "c2"


def test_the_long_review_rows_give_texts_and_tokens_per_second_read_whole_and_truncated():
    def row(rps, tokens_per_text):
        return {"concurrency": 16, "requests_per_s": rps, "texts_per_s": rps, "p50_ms": 1.0, "p99_ms": 2.0, "errors": 0,
                "tokens_per_text": tokens_per_text, "tokens_per_s": rps * tokens_per_text}

    ours = {"long_predict": row(50.0, 170.0), "long_document_predict": row(30.0, 300.0), "predict": [],
            "batch_predict": []}
    figures = measurements.service_figures({"meta": {"workers": 2}, "ours": ours, "baseline": None,
                                            "ceiling": {"texts_per_s": 1.0, "processes": 2, "batch_size": 64}})
    assert figures["ours_reviews_rps"].value == 50.0 and figures["ours_reviews_tokens_per_s"].value == 8500.0
    assert figures["ours_reviews_document_rps"].value == 30.0
    assert figures["ours_reviews_document_tokens_per_s"].value == 9000.0
    assert "read whole" in figures["ours_reviews_document_rps"].what
    from bench.report import _long_rows

    table = _long_rows(ours, None)
    assert "ours, read whole" in table and "0.6x" in table and "1.1x" in table


def test_reviews_are_planned_read_whole_once_measured():
    figures = {"ours_reviews_rps": Figure(50.0, "req/s", "first window"), "ours_predict_c16_rps": Figure(400.0, "req/s", "")}
    assert sizing.derived(figures)["plan_reviews_rps_per_replica"].value == pytest.approx(35.0)
    figures["ours_reviews_document_rps"] = Figure(20.0, "req/s", "read whole")
    assert sizing.derived(figures)["plan_reviews_rps_per_replica"].value == pytest.approx(14.0)


def test_the_capacity_table_shows_reviews_read_whole_once_measured(figures):
    assert "read whole" not in "\n".join(quote.TABLES["capacity"](figures)) or "ours_reviews_document_rps" in figures
    whole = {**figures, "ours_reviews_document_rps": Figure(20.0, "req/s", "read whole"),
             "ours_reviews_document_p99_ms": Figure(900.0, "ms", "read whole")}
    rows = quote.TABLES["capacity"]({**whole, **sizing.derived(whole)})
    assert "read whole (the default)" in rows[-2] and "20.0 req/s" in rows[-2] and "14 req/s" in rows[-2]
    assert "first window only" in rows[-1]
