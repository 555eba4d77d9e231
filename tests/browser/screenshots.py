"""Screenshots of the playground in each state, desktop (1280) and phone (390) wide, for docs and review.

    python -m tests.browser.screenshots OUT_DIR

Starts real gunicorn over the shipped model on loopback, drives the page in headless Chromium and writes
PNGs to OUT_DIR. docs/playground.png and docs/playground-phone.png are the `scored` shots.
"""

import sys
import tempfile
from pathlib import Path

from sentiment_service.settings import DEFAULT_MODEL_DIR
from tests.browser.chromium import DESKTOP, PHONE, chromium, find_chromium
from tests.integration.gunicorn_process import gunicorn_service

TEXT = "A decent film with a weak ending, but the music is lovely."
LINES = ["The checkout was quick and painless.", "My parcel arrived broken and nobody answered my emails.",
         "Decent value for the price.", "I would not stay here again.", "Lovely staff, spotless rooms!",
         "The update made the app slower than ever.", "It works exactly as described.", "Meh."]


def shoot(browser, url: str, out: Path, name: str, viewport: dict) -> None:
    context = browser.new_context(viewport=viewport, device_scale_factor=1)
    page = context.new_page()
    page.goto(url + "/")
    page.locator("#model").filter(has_text="Model ").wait_for()
    page.screenshot(path=out / f"{name}-empty.png", full_page=True)
    page.locator("#text").fill(TEXT)
    page.locator("#score").click()
    page.locator("#single-result").wait_for(state="visible")
    page.locator("#batch").fill("\n".join(LINES))
    page.locator("#batch-score").click()
    page.locator("#batch-result").wait_for(state="visible")
    page.locator("#words mark").last.focus()
    page.screenshot(path=out / f"{name}-scored.png", full_page=True)
    page.locator("#text").fill("so good " * 2600)
    page.locator("#score").click()
    page.locator("#single-status").filter(has_text="too long").wait_for()
    page.screenshot(path=out / f"{name}-error.png")
    context.close()


def shoot_key_prompt(browser, url: str, out: Path, name: str, viewport: dict) -> None:
    context = browser.new_context(viewport=viewport, device_scale_factor=1)
    page = context.new_page()
    page.goto(url + "/")
    page.locator("#text").fill(TEXT)
    page.locator("#score").click()
    page.locator("#auth").wait_for(state="visible")
    page.screenshot(path=out / f"{name}-key.png")
    context.close()


def main(out: Path) -> None:
    executable = find_chromium()
    if executable is None:
        sys.exit("no Chromium found: install Debian's `chromium`")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, chromium(executable) as browser:
        for part in ("open", "keyed"):
            Path(tmp, part).mkdir()
        with gunicorn_service(Path(tmp, "open"), DEFAULT_MODEL_DIR, workers=1) as service:
            for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
                shoot(browser, service.url, out, name, viewport)
        with gunicorn_service(Path(tmp, "keyed"), DEFAULT_MODEL_DIR, workers=1, API_KEYS="k") as service:
            for name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
                shoot_key_prompt(browser, service.url, out, name, viewport)
    for png in sorted(out.glob("*.png")):
        print(f"{png}  {png.stat().st_size / 1024:.0f} KB")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
