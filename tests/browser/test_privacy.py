"""Support's GDPR journey in a real browser: with the second factor given, from the order page to
the customer's export, then the erasure after the confirmation step."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from orders.models import Customer, Order
from tests.browser.conftest import give_second_factor, login
from tests.logins import authenticator_for, totp_code
from tests.orders.support_fixtures import *  # noqa: F403  (fixtures)
from tests.orders.support_fixtures import place

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_agent_exports_a_customers_data_and_erases_them(browser_page, live_url, support_user, catalogue, webshop):
    from orders.services.cancellation import cancel_order

    page = browser_page
    order = place(webshop, email="greta.gdpr@example.com", name="Greta Gdpr")
    cancel_order(order=order, reason="Kundenwunsch")
    device = authenticator_for(support_user)  # enrolled: asked for the code at every login
    login(page, live_url, "agent", "pw-agent")
    if "/accounts/two-factor/verify/" in page.url:
        give_second_factor(page, totp_code(device))

    page.goto(f"{live_url}/support/orders/{order.number}/")
    page.get_by_role("link", name="Personal data (GDPR): export or erase").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Personal data (GDPR)")
    page.get_by_role("button", name="Show as a page").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Personal data held about the customer")
    expect(page.locator("[data-section=orders]")).to_contain_text(order.number)
    expect(page.locator("[data-section=customer]")).to_contain_text("greta.gdpr@example.com")

    page.go_back()
    page.get_by_role("button", name="Erase this customer…").click()
    page.get_by_role("checkbox", name="I have checked the request").check()
    page.get_by_role("button", name="Erase personal data").click()

    expect(page.get_by_text("The customer's personal data was erased")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("greta.gdpr@example.com")
    customer = Customer.objects.get(pk=order.customer_id)
    assert customer.email.endswith("@erased.invalid")
    assert "Greta" not in Order.objects.get(pk=order.pk).shipping_name
