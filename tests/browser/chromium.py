"""Headless Chromium for the browser tests: the system's own build (Debian's `chromium`), driven by Playwright.

Playwright cannot download its browsers where this runs, so it drives the installed one. The switches keep
the browser from talking to anything but the page under test: no background networking, updates, sync
or QUIC probing.
"""

import shutil
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
SWITCHES = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def find_chromium() -> str | None:
    """The path of an installed Chromium, or None."""
    for candidate in CANDIDATES:
        found = candidate if Path(candidate).is_file() else shutil.which(candidate)
        if found:
            return found
    return None


@contextmanager
def chromium(executable: str):
    """Yield a launched headless browser; closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=SWITCHES)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageRecord:
    """Everything a page asked for and complained about, to assert it stayed local and quiet."""

    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def watch(self, page) -> None:
        page.on("request", lambda request: self.requests.append(request.url))
        page.on("console", lambda message: message.type == "error" and self.console_errors.append(message.text))
        page.on("pageerror", lambda error: self.console_errors.append(f"uncaught: {error}"))

    def unexpected_errors(self, *expected_statuses: int) -> list[str]:
        """Console errors, less the browser's own note about each response with an expected status."""
        expected = tuple(f"the server responded with a status of {status}" for status in expected_statuses)
        return [e for e in self.console_errors if not any(note in e for note in expected)]

    def outside(self, origin: str) -> list[str]:
        """Requests to anywhere but `origin` (blob: and data: URLs stay inside the page)."""
        return [url for url in self.requests
                if not (url.startswith(origin + "/") or url.startswith("data:") or url.startswith(f"blob:{origin}/"))]
