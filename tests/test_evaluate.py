import json

import pytest

from evaluation.__main__ import main
from evaluation.report import Report


def test_report_metrics():
    report = Report(("negative", "positive"),
                    {"negative": {"negative": 3, "positive": 1}, "positive": {"negative": 0, "positive": 4}}, skipped=0)
    assert report.accuracy == pytest.approx(7 / 8)
    # F1(negative) = 2*1*0.75/1.75, F1(positive) = 2*0.8*1/1.8
    assert report.macro_f1 == pytest.approx((6 / 7 + 8 / 9) / 2)


def test_cli_scores_a_file_through_the_real_scoring_core(tiny_model_dir, tmp_path, capsys):
    rows = [{"text": "i loved it", "label": "positive"}, {"text": "terrible waste", "label": "negative"},
            {"text": "great film", "label": "positive"}, {"text": "it is the movie", "label": "neutral"}]
    data = tmp_path / "small.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main([str(data), "--model-dir", str(tiny_model_dir), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["rows"] == 3 and report["skipped"] == 1
    assert report["accuracy"] == 1.0 and report["confusion"]["negative"]["negative"] == 1
    main([str(data), "--model-dir", str(tiny_model_dir)])
    assert "macro-F1" in capsys.readouterr().out
