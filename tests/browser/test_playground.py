"""The playground page in real headless Chromium against real gunicorn and the shipped model."""

import csv
import io
import json

import pytest
import requests

from tests.browser.conftest import API_KEY

pytestmark = pytest.mark.integration


def assert_clean(record, origin, *expected_statuses):
    assert record.unexpected_errors(*expected_statuses) == []
    assert record.outside(origin) == []


def test_a_sentence_by_keyboard_alone_shows_label_bars_and_the_words_of_explain(service, open_page):
    page, record = open_page(service.url)
    text = "A decent film with a weak ending, but the music is lovely."
    page.keyboard.press("Tab")  # the first focusable element is the text box
    assert page.evaluate("document.activeElement.id") == "text"
    page.keyboard.type(text)
    page.keyboard.press("Control+Enter")
    page.locator("#single-result").wait_for(state="visible")

    expected = requests.post(f"{service.url}/explain", json={"text": text}, timeout=10).json()
    assert page.locator("#label").inner_text() == expected["label"]
    assert page.locator("#bars .name").all_inner_texts() == list(expected["scores"])
    marks = page.locator("#words mark")
    assert marks.all_inner_texts() == [w["word"] for w in expected["words"]]
    assert page.locator("#words").inner_text() == text
    for mark, word in zip(marks.all(), expected["words"]):
        shown = json.loads(mark.get_attribute("data-contributions"))
        assert shown == pytest.approx(word["contributions"], abs=0.02)
        assert mark.get_attribute("title").startswith(word["word"] + ": ")
    # The strongest word is tinted with the label it pushed towards.
    label = expected["label"]
    strongest = max(range(len(expected["words"])), key=lambda i: expected["words"][i]["contributions"][label])
    assert marks.nth(strongest).get_attribute("data-label") == label

    # Tab from the button onto the first word: its numbers are shown for keyboard users too.
    page.locator("#score").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "MARK"
    assert page.locator("#word-detail").inner_text().startswith(expected["words"][0]["word"] + ": ")
    assert_clean(record, service.url)


def test_300_pasted_lines_give_a_table_counts_and_a_csv(service, open_page):
    page, record = open_page(service.url)
    lines = [f"line {i}: {'a wonderful stay' if i % 3 else 'a dreadful, noisy room'}" for i in range(300)]
    page.locator("#batch").fill("\n".join(lines) + "\n\n")
    page.locator("#batch-score").click()
    page.locator("#batch-result").wait_for(state="visible")
    assert "Scored 300 lines" in page.locator("#batch-status").inner_text()
    assert page.locator("#table tbody tr").count() == 300
    counts = page.locator("#counts li").all_inner_texts()
    assert counts == ["negative: 100", "neutral: 0", "positive: 200"]  # every label of the model, zero included
    # Chunked by the server's limit from /openapi.json (256) and the page's own cap of 64.
    calls = [url for url in record.requests if url.endswith("/batch-predict")]
    assert len(calls) == 5

    with page.expect_download() as download:
        page.locator("#download").click()
    rows = list(csv.reader(io.StringIO(download.value.path().read_text(encoding="utf-8"))))
    assert rows[0] == ["line", "text", "label", "score", "p_negative", "p_neutral", "p_positive"]
    assert [row[1] for row in rows[1:]] == lines
    assert {row[2] for row in rows[1:]} == {"negative", "positive"}
    assert_clean(record, service.url)


def test_a_csv_file_is_read_from_its_text_column(service, open_page, tmp_path):
    page, record = open_page(service.url)
    source = tmp_path / "reviews.csv"
    source.write_text('id,text\r\n1,"Great, fast and friendly"\r\n2,"Broken on arrival.\nNever again."\r\n3,\r\n', encoding="utf-8")
    page.locator("#file").set_input_files(str(source))
    page.locator("#batch-result").wait_for(state="visible")
    assert page.locator("#table tbody tr td.text").all_text_contents() == ["Great, fast and friendly",
                                                                        "Broken on arrival.\nNever again."]
    assert page.locator("#table tbody tr td:nth-child(3)").all_inner_texts() == ["positive", "negative"]
    assert_clean(record, service.url)


def test_an_over_long_text_is_refused_in_plain_words(service, open_page):
    page, record = open_page(service.url)
    page.locator("#text").fill("so good " * 250 + "!")
    page.locator("#score").click()
    status = page.locator("#single-status")
    status.filter(has_text="too long").wait_for()
    assert status.inner_text() == "This text is too long: 2,001 characters, and the service takes at most 2,000."
    assert page.locator("#single-result").is_hidden()
    assert record.console_errors, "the browser notes the 413 on its console; if not, this test checks nothing there"
    assert_clean(record, service.url, 413)


def test_with_api_keys_on_the_page_asks_for_a_key_then_scores(keyed_service, open_page):
    page, record = open_page(keyed_service.url)
    sent = []
    page.on("request", lambda r: r.url.endswith("/explain") and sent.append(r.headers.get("authorization")))
    page.locator("#text").fill("The battery lasts for days and the screen is gorgeous.")
    page.locator("#score").click()
    page.locator("#auth").wait_for(state="visible")
    assert page.evaluate("document.activeElement.id") == "api-key"
    page.keyboard.type(API_KEY)
    page.keyboard.press("Enter")
    page.locator("#single-result").wait_for(state="visible")
    assert page.locator("#label").inner_text() == "positive"
    assert sent == [None, f"Bearer {API_KEY}"]
    assert page.evaluate("sessionStorage.getItem('sentiment-api-key')") == API_KEY
    assert page.evaluate("localStorage.length") == 0 and page.context.cookies() == []
    assert_clean(record, keyed_service.url, 401)


@pytest.fixture(scope="module")
def two_model_service(tmp_path_factory, tiny_model_dir):
    from tests.integration.gunicorn_process import gunicorn_service
    from tests.integration.test_models import SHIPPED, shipped_model_as

    tmp = tmp_path_factory.mktemp("playground-two-models")
    shipped_model_as(tmp / "models" / "shipped")
    (tmp / "models" / "tiny").symlink_to(tiny_model_dir)
    with gunicorn_service(tmp, None, workers=1, MODELS_DIR=str(tmp / "models"), DEFAULT_MODEL=SHIPPED["name"]) as running:
        yield running


def test_with_two_models_the_picker_chooses_which_one_scores(service, two_model_service, open_page):
    from tests.integration.test_models import SHIPPED

    single, _ = open_page(service.url)
    assert single.locator("#model-choice").is_hidden()  # one model: nothing to choose

    page, record = open_page(two_model_service.url)
    picker = page.locator("#model-picker")
    assert picker.locator("option").all_inner_texts() == [f"{SHIPPED['name']} {SHIPPED['version']}", "tiny-test 0.0.1"]
    assert picker.input_value() == "sentiment-minilm-l6"
    page.locator("#text").fill("I loved it")
    page.locator("#score").click()
    page.locator("#single-result").wait_for(state="visible")
    assert page.locator("#bars .name").all_inner_texts() == ["negative", "neutral", "positive"]

    picker.select_option("tiny-test")
    assert "tiny-test 0.0.1 (negative, positive)" in page.locator("#model").inner_text()
    page.locator("#score").click()
    page.locator("#bars .name", has_text="neutral").wait_for(state="detached")
    expected = requests.post(f"{two_model_service.url}/explain", json={"text": "I loved it", "model": "tiny-test"},
                             timeout=10).json()
    assert page.locator("#bars .name").all_inner_texts() == ["negative", "positive"]
    assert page.locator("#label").inner_text() == expected["label"]
    assert_clean(record, two_model_service.url)
