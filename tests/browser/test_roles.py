"""Each role logs in through the real login page, sees its own areas and is refused the others."""

import re

import pytest
from playwright.sync_api import expect

from oms.roles import Role
from tests.browser.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

AREA_LINKS = {"warehouse": "Warehouse", "support": "Support", "reports": "Reports", "admin": "Administration"}
OWN_AREAS = {
    Role.WAREHOUSE: {"warehouse"},
    Role.SUPPORT: {"support"},
    Role.MANAGER: {"reports"},
    Role.ADMIN: {"warehouse", "support", "reports", "admin"},
}
AREA_PATHS = {"warehouse": "/warehouse/", "support": "/support/", "reports": "/reports/", "admin": "/admin/"}


@pytest.mark.parametrize("role", list(OWN_AREAS))
def test_each_role_sees_its_navigation_and_is_refused_other_areas(browser_page, live_url, users_by_role, role):
    page = browser_page
    user = users_by_role[role]
    login(page, live_url, user.username, f"pw-{user.username}")

    nav = page.get_by_role("navigation", name="Main")
    for area, label in AREA_LINKS.items():
        link = nav.get_by_role("link", name=label, exact=True)
        if area in OWN_AREAS[role]:
            expect(link).to_be_visible()
        else:
            expect(link).to_have_count(0)

    for area, path in AREA_PATHS.items():
        response = page.goto(f"{live_url}{path}")
        if area in OWN_AREAS[role]:
            assert response.status == 200, f"{role} should open {path}"
        else:
            assert response.status == 403, f"{role} must be refused {path}"
            expect(page.get_by_role("heading", name="Access denied")).to_be_visible()


def test_wrong_password_shows_an_error_and_stays_on_login(browser_page, live_url, support_user):
    page = browser_page
    login(page, live_url, support_user.username, "not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("didn't match")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))


def test_language_switch_turns_the_interface_german_and_back(browser_page, live_url, support_user):
    page = browser_page
    login(page, live_url, support_user.username, f"pw-{support_user.username}")
    page.get_by_role("button", name="Deutsch").click()
    expect(page.get_by_role("button", name="Abmelden")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_logout_ends_the_session(browser_page, live_url, warehouse_user):
    page = browser_page
    login(page, live_url, warehouse_user.username, f"pw-{warehouse_user.username}")
    page.get_by_role("button", name="Log out").click()
    page.goto(f"{live_url}/warehouse/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/warehouse/"))
