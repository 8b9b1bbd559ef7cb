"""A manager sets up an authenticator app at the first login (QR code, the app's code, recovery
codes shown once) and signs in with the app's code the next time; every page of it keeps to the
Content-Security-Policy. The app's codes are computed from the stored secret, as the app would."""

from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.browser.conftest import give_second_factor
from tests.browser.test_csp import LISTEN
from tests.logins import totp_code

pytestmark = pytest.mark.django_db(transaction=True)


def _password_step(page, live_url: str) -> None:
    page.goto(f"{live_url}/accounts/login/")
    page.get_by_label("Username").fill("chefin")
    page.get_by_label("Password").fill("pw-chefin")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def _violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations || []")


def test_a_manager_enrols_at_the_first_login_and_signs_in_with_the_apps_code_next_time(
    browser_page, live_url, manager_user
):
    page = browser_page
    page.add_init_script(LISTEN)
    seen: list[str] = []

    _password_step(page, live_url)
    page.get_by_role("heading", name="Set up two-factor authentication").wait_for()
    assert page.get_by_label("QR code for the authenticator app").locator("svg path").count() > 0
    seen += _violations(page)
    device = TOTPDevice.objects.get(user=manager_user, confirmed=False)
    page.get_by_role("textbox", name="Code").fill(totp_code(device))
    page.get_by_role("button", name="Turn on").click()
    page.get_by_role("heading", name="Recovery codes").wait_for()
    assert page.get_by_role("list", name="Recovery codes").get_by_role("listitem").count() == 10
    seen += _violations(page)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert page.url == f"{live_url}/reports/"
    page.get_by_role("button", name="Log out").click()
    page.wait_for_load_state()

    _password_step(page, live_url)
    assert "/accounts/two-factor/verify/" in page.url
    page.get_by_role("heading", name="Two-factor authentication").wait_for()
    seen += _violations(page)
    give_second_factor(page, totp_code(device))

    assert page.url == f"{live_url}/reports/"
    assert page.get_by_role("link", name="Reports").count() >= 1
    seen += _violations(page)
    assert seen == []


def test_a_wrong_code_in_the_browser_shows_why_and_keeps_the_reports_closed(browser_page, live_url, manager_user):
    from tests.logins import authenticator_for

    device = authenticator_for(manager_user)
    page = browser_page
    _password_step(page, live_url)

    give_second_factor(page, f"{(int(totp_code(device)) + 1) % 1_000_000:06d}")

    assert page.get_by_text("That code is not right").is_visible()
    page.goto(f"{live_url}/reports/")
    assert "/accounts/two-factor/verify/" in page.url
