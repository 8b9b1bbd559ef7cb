"""Browser tests: Playwright drives Debian's Chromium against the live test server.

Never ``playwright install``: browser downloads are blocked here; we launch /usr/bin/chromium
with the flags that keep it off the network (STACK-NOTES.md).
"""

from __future__ import annotations

import datetime
import os
from collections.abc import Iterator

import pytest

from tests import clock

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def live_url(live_server) -> str:
    return live_server.url


def new_context(browser, **options):
    """A browser context failing fast instead of waiting 30 s; its pages' clock is the run's
    (moved when ``OMS_TEST_CLOCK_SHIFT_DAYS``/``OMS_TEST_CLOCK_AT`` move it, see ``tests/clock.py``)."""
    context = browser.new_context(**options)
    context.set_default_timeout(10_000)
    if clock.offset() is not None:
        context.clock.install(time=datetime.datetime.now(datetime.UTC))  # ticks on from there
    return context


@pytest.fixture
def browser_page(browser, live_url) -> Iterator:
    """A fresh page (own cookies) with English UI."""
    context = new_context(browser, locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def tablet_page(browser, live_url) -> Iterator:
    """A warehouse tablet: narrow viewport, touch."""
    context = new_context(browser, locale="de-DE", viewport={"width": 800, "height": 1280}, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


def login(page, live_url: str, username: str, password: str) -> None:
    """Log in through the real login form and wait for the landing page. A user whose role needs
    a second factor gets an authenticator (if they have none) and gives its code at the
    verification step, as from the app (tests/logins.py)."""
    from django.contrib.auth import get_user_model

    from oms.second_factor import must_use_second_factor
    from tests.logins import authenticator_for, totp_code

    user = get_user_model().objects.filter(username=username).first()
    device = authenticator_for(user) if user is not None and must_use_second_factor(user) else None
    page.goto(f"{live_url}/accounts/login/")
    page.get_by_label("Username").or_(page.get_by_label("Benutzername")).fill(username)
    page.get_by_label("Password").or_(page.get_by_label("Passwort")).fill(password)
    page.get_by_role("button", name="Log in").or_(page.get_by_role("button", name="Anmelden")).click()
    page.wait_for_load_state()
    if device is not None and "/accounts/two-factor/verify/" in page.url:
        give_second_factor(page, totp_code(device))


def give_second_factor(page, code: str) -> None:
    """Enter ``code`` at the verification step and wait for the page asked for."""
    page.get_by_role("textbox", name="Code").fill(code)
    page.get_by_role("button", name="Verify").or_(page.get_by_role("button", name="Bestätigen")).click()
    page.wait_for_load_state()
