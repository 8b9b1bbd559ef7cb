"""Every page of the customer portal (/track/) loads under the Content-Security-Policy without a
violation and passes axe-core with no serious or critical WCAG 2.1 A/AA violation, as a customer
with their order's link sees them (the staff pages are checked in test_csp and
test_accessibility)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.browser.test_accessibility import axe_page, violations_on  # noqa: F401  (fixture)
from tests.browser.test_csp import _violations_on, csp_page  # noqa: F401  (fixture)
from tests.security.test_portal_fuzz import _portal_paths, _return_page
from tests.security.world import build_world

pytestmark = pytest.mark.django_db(transaction=True)


def _portal_pages(portal: dict[str, str], world) -> list[str]:
    """The portal paths that answer a customer's GET with a page of their own order (not a PDF, a
    photo or a POST-only action, not another order's document), and a return's page."""
    client = Client()
    pages = []
    for path in [*portal.values(), _return_page(world)]:
        response = client.get(path)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            pages.append(path)
    return pages


def test_every_portal_page_loads_without_a_policy_violation(csp_page, live_url, admin_user):  # noqa: F811
    page, console = csp_page
    world = build_world(user=admin_user, skus={"CSP-1": 10, "CSP-2": 4})
    portal = _portal_paths(world)  # each call signs new links: keep one set
    paths = _portal_pages(portal, world)

    violations = [v for path in paths for v in _violations_on(page, f"{live_url}{path}", console)]

    assert {"/track/", portal["orders:portal-order"], portal["returns:portal-withdraw"]} <= set(paths)
    assert len(paths) >= 5, paths
    assert violations == []


def test_every_portal_page_has_no_serious_or_critical_accessibility_violation(axe_page, live_url, admin_user):  # noqa: F811
    world = build_world(user=admin_user, skus={"AXE-1": 10, "AXE-2": 4})
    paths = _portal_pages(_portal_paths(world), world)

    results = {path: violations_on(axe_page, f"{live_url}{path}") for path in paths}
    found = [v for violations in results.values() if violations for v in violations]

    assert len([path for path, violations in results.items() if violations is not None]) >= 5, results
    assert found == [], "\n".join(found)
