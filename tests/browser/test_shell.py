"""The shell's wiring as a browser sees it: vendored htmx loaded, CSRF travelling with htmx requests."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_htmx_2_is_served_from_our_static_files_with_the_csrf_header(browser_page, live_url, support_user):
    page = browser_page
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    login(page, live_url, support_user.username, "pw-agent")

    assert page.evaluate("window.htmx && window.htmx.version").startswith("2.")
    assert all(url.startswith(live_url) for url in requested), "no asset may come from another host"
    headers = page.evaluate("JSON.parse(document.body.getAttribute('hx-headers'))")
    assert len(headers["X-CSRFToken"]) >= 32

    # A POST sent by htmx itself carries the token from hx-headers: Django accepts it.
    with page.expect_response("**/i18n/setlang/") as response_info:
        page.evaluate(
            """htmx.ajax('POST', '/i18n/setlang/', {source: document.body, swap: 'none',
                                                   values: {language: 'de', next: '/support/'}})"""
        )
    assert response_info.value.request.headers.get("x-csrftoken") == headers["X-CSRFToken"]
    assert response_info.value.status == 302  # accepted and redirected to next (403 if CSRF failed)
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "de")


def test_staff_pages_fit_a_warehouse_tablet(tablet_page, live_url, warehouse_user):
    page = tablet_page
    login(page, live_url, warehouse_user.username, "pw-lager")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 800, "no horizontal scrolling on an 800 px tablet"
    height = page.get_by_role("button", name="Abmelden").bounding_box()["height"]
    assert height >= 44, "tap targets are at least 44 px high"


def test_the_first_page_load_asks_for_nothing_that_is_missing_not_even_a_favicon(browser_page, live_url):
    failed: list[str] = []
    browser_page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    browser_page.goto(f"{live_url}/accounts/login/")
    browser_page.wait_for_load_state("networkidle")

    icon = browser_page.locator('link[rel="icon"]').get_attribute("href")
    assert icon and icon.endswith(".svg")
    assert browser_page.request.get(f"{live_url}{icon}").status == 200
    assert failed == []
