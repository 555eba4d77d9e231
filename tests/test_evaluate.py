import json

import pytest

from evaluation.__main__ import main
from evaluation.report import Report, report_of
from sentiment_service.predictor.contract import Prediction


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


def test_long_texts_are_compared_read_whole_and_truncated(tiny_model_dir, tmp_path, capsys):
    long_positive = "awful terrible film. " * 3 + "i loved it, great film. " * 10  # past the tiny model's 16 tokens
    rows = [{"text": long_positive, "label": "positive"}, {"text": "terrible waste", "label": "negative"},
            {"text": "great film", "label": "positive"}]
    data = tmp_path / "long.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main([str(data), "--model-dir", str(tiny_model_dir), "--json"]) == 0
    long_texts = json.loads(capsys.readouterr().out)["long_texts"]
    assert long_texts["long rows, document"]["rows"] == long_texts["long rows, truncate"]["rows"] == 1
    assert long_texts["long rows, document"]["accuracy"] == 1.0 and long_texts["long rows, truncate"]["accuracy"] == 0.0
    assert long_texts["all rows, document"]["rows"] == 3
    main([str(data), "--model-dir", str(tiny_model_dir)])
    assert "long rows, truncate" in capsys.readouterr().out


def test_accuracy_over_the_data_labels_restricts_a_three_way_prediction():
    labels = ("negative", "neutral", "positive")
    leaning_positive = Prediction("neutral", 0.5, {"negative": 0.1, "neutral": 0.5, "positive": 0.4}, False)
    negative = Prediction("negative", 0.8, {"negative": 0.8, "neutral": 0.1, "positive": 0.1}, False)
    rows = [{"text": "a", "label": "positive"}, {"text": "b", "label": "negative"}]
    report = report_of(labels, rows, [leaning_positive, negative])
    assert (report.accuracy, report.accuracy_over_data_labels) == (0.5, 1.0)
    assert report_of(labels, rows + [{"text": "c", "label": "neutral"}], [negative] * 3).accuracy_over_data_labels is None
