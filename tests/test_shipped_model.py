"""The model that ships in the repository and the image: intact, three-way, calibrated, and sane on obvious cases."""

import pytest

from sentiment_service.http.factory import create_app
from sentiment_service.predictor.manifest import load_manifest
from sentiment_service.settings import DEFAULT_MODEL_DIR, Settings
from training import card_tables

OBVIOUS = [
    ("I loved it", "positive"),
    ("terrible, a waste of money", "negative"),
    ("Absolutely fantastic service, the staff were friendly and fast.", "positive"),
    ("The product broke after two days and support never answered.", "negative"),
    ("best purchase I've made all year :)", "positive"),
    ("worst movie ever, I want my two hours back", "negative"),
    ("The meeting is at 3 pm on Tuesday.", "neutral"),
    ("The store opens at 9 am and closes at 6 pm.", "neutral"),
    ("The report has twelve pages.", "neutral"),
]


def test_manifest_hashes_match_the_files():
    manifest = load_manifest(DEFAULT_MODEL_DIR)  # raises if any hash differs
    assert manifest.info.name == "sentiment-minilm-l6"
    assert manifest.info.labels == ("negative", "neutral", "positive")
    assert manifest.raw["base_model"]["license"] == "Apache-2.0"


def test_manifest_carries_the_fitted_temperature_and_the_invariance_measurement():
    manifest = load_manifest(DEFAULT_MODEL_DIR)
    assert manifest.info.temperature == manifest.raw["metrics"]["temperature"]
    assert 0.25 <= manifest.info.temperature <= 4.0
    assert manifest.raw["batch_invariant"] is True
    assert manifest.raw["metrics"]["batch_invariance_max_abs_diff_sst2"] <= 1e-4


def test_the_model_cards_tables_are_the_manifests_figures():
    card = (DEFAULT_MODEL_DIR / card_tables.CARD).read_text(encoding="utf-8")
    assert card_tables.rendered(card, load_manifest(DEFAULT_MODEL_DIR).raw["metrics"]) == card


def test_the_manifest_says_what_the_model_was_trained_on_and_what_it_left_out():
    data = load_manifest(DEFAULT_MODEL_DIR).raw["data"]
    assert set(data["train_by_domain_and_label"]) <= {"tweets", "sst5", "sst2", "imdb", "amazon", "finance", "goemotions"}
    assert "left_out" in data


def test_every_source_whose_terms_restrict_use_is_measured_left_out():
    # The Amazon reviews are for academic research only: the card must say what a build without them loses.
    manifest = load_manifest(DEFAULT_MODEL_DIR).raw
    metrics, restricted = manifest["metrics"], {"amazon"} & set(manifest["data"]["train_by_domain_and_label"])
    assert restricted <= set(metrics.get("without", {}))
    for source in restricted:
        assert set(metrics["without"][source]) >= set(metrics["model"]), f"every held-out set, without {source}"


@pytest.mark.parametrize("text, label", OBVIOUS)
def test_obvious_cases(shipped, text, label):
    prediction = shipped.predict([text])[0]
    assert prediction.label == label
    assert prediction.score > 0.5


def test_polarity_is_near_zero_for_a_neutral_statement_and_signed_otherwise(shipped):
    neutral, good, bad = shipped.predict(["The meeting is at 3 pm on Tuesday.", "I loved it", "terrible, a waste of money"])
    neutral, good, bad = (shipped.info.polarity_of(p.scores) for p in (neutral, good, bad))
    assert abs(neutral) < 0.5
    assert good > 0.5 and bad < -0.5


def test_two_label_clients_get_two_labels_from_the_shipped_model(shipped):
    client = create_app(Settings(response_labels="binary"), shipped).test_client()
    body = client.post("/batch-predict", json={"texts": ["I loved it", "The meeting is at 3 pm on Tuesday."]}).get_json()
    for prediction in body["predictions"]:
        assert prediction["label"] in {"negative", "positive"}
        assert set(prediction["scores"]) == {"negative", "positive"}
        assert prediction["scores"]["negative"] + prediction["scores"]["positive"] == pytest.approx(1.0, abs=1e-6)
    assert body["predictions"][0]["label"] == "positive"


def test_tokenizer_pads_per_batch_not_to_a_fixed_length(shipped):
    from sentiment_service.predictor.scoring_core import ScoringCore

    model = ScoringCore.open(DEFAULT_MODEL_DIR)
    lengths = [len(e.ids) for e in model.encode(["good", "a somewhat longer sentence than that"])]
    assert lengths[0] < lengths[1] < 20


def test_long_reviews_are_read_whole_or_truncated_and_flagged(shipped):
    whole = shipped.predict(["An absolutely wonderful film. " * 200])[0]
    first = shipped.predict(["An absolutely wonderful film. " * 200], long_text="truncate")[0]
    assert whole.truncated is False and whole.label == "positive"
    assert first.truncated is True and first.label == "positive"
