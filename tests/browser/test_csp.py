"""Every page, as the admin (who may open all of them) and as a visitor, loads in Chromium under the
Content-Security-Policy without a single violation: nothing blocked, nothing that needs relaxing.

The page listens for ``securitypolicyviolation`` events from before its first script runs (an init
script is not subject to the page's policy), and the browser's console is read as well, so a
violation that fires before the listener or outside the document is caught too."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests.browser.conftest import login
from tests.logins import login_as
from tests.security.urlmap import staff_routes
from tests.security.world import REAL_PARAMS, build_world

pytestmark = pytest.mark.django_db(transaction=True)

LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  const where = `${e.sourceFile}:${e.lineNumber}`;
  window.__cspViolations.push(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} at ${where}`);
});
"""


def _staff_paths(world) -> list[str]:
    paths = []
    for route in staff_routes():
        if route.name in REAL_PARAMS:
            paths.append(reverse(route.name, kwargs=REAL_PARAMS[route.name](world)))
        elif not route.has_params:
            paths.append(route.path)
    return sorted(set(paths))


def _admin_paths(world) -> list[str]:
    paths = [reverse("admin:index")]
    for model in admin.site._registry:
        paths.append(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
    order = world["order"]
    paths.append(reverse(f"admin:{order._meta.app_label}_{order._meta.model_name}_change", args=[order.pk]))
    product = world["product"]
    paths.append(reverse(f"admin:{product._meta.app_label}_{product._meta.model_name}_change", args=[product.pk]))
    return paths


def _html_pages(paths: list[str], user) -> list[str]:
    """The paths that answer the user's GET with a page (not a CSV download, not POST-only)."""
    client = Client()
    login_as(client, user)
    pages = []
    for path in paths:
        response = client.get(path)
        if response.status_code in (200, 404) and response["Content-Type"].startswith("text/html"):
            pages.append(path)
    return pages


def _violations_on(page, url: str, console: list[str]) -> list[str]:
    console.clear()
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    found = page.evaluate("window.__cspViolations || []")
    return [f"{url} ({response.status if response else '-'}): {v}" for v in found + console]


@pytest.fixture
def csp_page(browser_page):
    console: list[str] = []
    browser_page.add_init_script(LISTEN)
    browser_page.on(
        "console",
        lambda message: console.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return browser_page, console


def test_every_staff_and_admin_page_loads_without_a_policy_violation(csp_page, live_url, admin_user):
    page, console = csp_page
    world = build_world(user=admin_user, skus={"CSP-1": 10, "CSP-2": 4})
    login(page, live_url, admin_user.username, f"pw-{admin_user.username}")
    paths = _html_pages(
        [
            *_staff_paths(world),
            *_admin_paths(world),
            "/",
            "/accounts/password/",
            "/accounts/two-factor/",
            "/accounts/two-factor/setup/",
            "/accounts/two-factor/recovery-codes/",
            "/api/docs/",
            "/zz-no-page/",
        ],
        admin_user,
    )

    violations = [v for path in paths for v in _violations_on(page, f"{live_url}{path}", console)]

    assert len(paths) > 40, paths
    assert violations == []


def test_the_api_docs_render_their_operations_under_the_policy(csp_page, live_url):
    page, console = csp_page

    violations = _violations_on(page, f"{live_url}/api/docs/", console)

    assert violations == []
    page.get_by_text("/api/v1/orders/", exact=False).first.wait_for()


def test_the_login_page_loads_without_a_policy_violation(csp_page, live_url):
    page, console = csp_page

    assert _violations_on(page, f"{live_url}/accounts/login/", console) == []


def test_a_violation_is_seen_by_the_listener(csp_page, live_url):
    """The check above could pass by listening to nothing: an inline style injected into a real
    page must be reported."""
    page, console = csp_page
    page.goto(f"{live_url}/accounts/login/")

    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<p style=\"color: red\">x</p>')")
    page.wait_for_function("window.__cspViolations.length > 0")

    assert any("style-src" in v for v in page.evaluate("window.__cspViolations"))
    page.wait_for_timeout(200)  # the console message arrives asynchronously
    assert any("Content Security Policy" in message for message in console)
