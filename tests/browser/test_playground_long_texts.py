"""The playground on a long review: the document's verdict, mixed, and each sentence tinted by its own label."""

import pytest
import requests

from tests.long_texts import HOTEL

pytestmark = pytest.mark.integration


def test_a_long_review_shows_its_verdict_and_its_sentences_by_label(service, open_page):
    page, record = open_page(service.url)
    page.locator("#text").fill(HOTEL)
    page.locator("#score").click()
    page.locator("#single-result").wait_for(state="visible")
    page.locator("#parts-title", has_text="Sentences").wait_for()

    expected = requests.post(f"{service.url}/predict", json={"text": HOTEL, "sentences": True}, timeout=30).json()
    assert page.locator("#label").inner_text() == expected["label"]
    assert expected["mixed"] is True and page.locator("#mixed").is_visible()
    marks = page.locator("#words mark")
    assert marks.all_inner_texts() == [HOTEL[s["start"]:s["end"]] for s in expected["sentences"]]
    assert [m.get_attribute("data-label") for m in marks.all()] == [s["label"] for s in expected["sentences"]]
    assert page.locator("#words").inner_text() == HOTEL
    assert marks.last.get_attribute("data-label") == "negative"
    # Tab from the button onto the first sentence: its numbers are shown for keyboard users too.
    page.locator("#score").focus()
    page.keyboard.press("Tab")
    first = expected["sentences"][0]
    assert page.evaluate("document.activeElement.tagName") == "MARK"
    assert page.locator("#word-detail").inner_text() == (
        f"{HOTEL[first['start']:first['end']]}: {first['label']} {first['scores'][first['label']] * 100:.1f}%, "
        f"polarity +{first['polarity']:.3f}")
    assert page.locator("#legend li").all_inner_texts() == [f"{label} sentence" for label in expected["scores"]]
    # /explain refuses a text of this many words (413 too_many_words): the page then asks /predict for sentences.
    assert record.unexpected_errors(413) == [] and record.outside(service.url) == []


def test_a_short_text_after_a_long_one_is_explained_word_by_word_again(service, open_page):
    page, _ = open_page(service.url)
    page.locator("#text").fill(HOTEL)
    page.locator("#score").click()
    page.locator("#parts-title", has_text="Sentences").wait_for()
    page.locator("#text").fill("A lovely, quiet room.")
    page.locator("#score").click()
    page.locator("#parts-title", has_text="Words").wait_for()
    assert page.locator("#mixed").is_hidden()
    assert page.locator("#words mark").all_inner_texts() == ["A", "lovely", "quiet", "room"]
