"""Browser tests: Playwright driving Debian's Chromium."""

import importlib.util
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser.pages import DESKTOP, PHONE, open_page

CHROMIUM = os.environ.get("G60_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


def _chromium_missing_reason():
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        return f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is not installed"
    return None


@pytest.fixture(scope="session")
def browser():
    reason = _chromium_missing_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests must run in CI: {reason}")
        message = f"\n\n!!! SKIPPING BROWSER TESTS: {reason} !!!\n"
        print(message)
        pytest.skip(message.strip())
    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests
    # make around it are ordinary synchronous calls.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # Optional: without playwright the browser tests skip instead of breaking the suite.
    from playwright.sync_api import sync_playwright  # noqa: PLC0415

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def phone(browser, live_server):
    """A phone-sized page inside WeChat's browser; fails the test on CSP violations."""
    with open_page(browser, live_server, **PHONE) as page:
        yield page


@pytest.fixture
def desktop(browser, live_server):
    """A desktop-sized page; fails the test on CSP violations."""
    with open_page(browser, live_server, **DESKTOP) as page:
        yield page


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
