"""Support agent journeys in a real browser: find an order by e-mail and by postcode, hold and
cancel it; enter a phone order by hand that ends allocated."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from orders.models import Order, OrderState
from tests.browser.conftest import login
from tests.orders.support_fixtures import *  # noqa: F403  (fixtures)
from tests.orders.support_fixtures import place

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _search(page, live_url: str, query: str) -> None:
    page.goto(f"{live_url}/support/")
    box = page.get_by_role("searchbox", name="Search orders")
    box.fill(query)
    box.press("Enter")
    page.wait_for_load_state()


def test_agent_finds_an_order_by_email_and_postcode_then_holds_and_cancels_it(
    browser_page, live_url, support_user, catalogue, webshop
):
    page = browser_page
    anna = place(webshop, email="anna@example.com", postcode="10115")
    other = place(webshop, email="otto@example.com", name="Otto Other", postcode="50667", city="Köln")
    login(page, live_url, "agent", "pw-agent")

    _search(page, live_url, "anna@example.com")
    results = page.locator("#order-table")
    expect(results).to_contain_text(anna.number)
    expect(results).not_to_contain_text(other.number)

    # The live search box on the list page: type a postcode, the table refreshes and the URL follows.
    search = page.get_by_role("searchbox", name="Search orders")
    search.fill("50667")
    expect(page.locator("#order-table")).to_contain_text(other.number)
    expect(page.locator("#order-table")).not_to_contain_text(anna.number)
    expect(page).to_have_url(re.compile(r"q=50667"))

    search.fill("10115")
    expect(page.locator("#order-table")).to_contain_text(anna.number)
    page.get_by_role("link", name=anna.number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(anna.number)

    page.get_by_role("textbox", name="Hold reason").fill("Address check")
    page.get_by_role("button", name="Hold", exact=True).click()
    expect(page.locator("#order-body")).to_contain_text("Address check")
    expect(page.get_by_role("button", name="Release hold")).to_be_visible()
    anna.refresh_from_db()
    assert anna.state == OrderState.ON_HOLD

    page.get_by_role("textbox", name="Cancel reason").fill("Customer withdrew")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Cancel order").click()
    expect(page.locator("#messages")).to_contain_text("The order is cancelled.")
    assert asked == [f"Cancel order {anna.number}? Its reserved stock is released; this cannot be undone."]
    expect(page.locator("#order-body [data-state]").first).to_have_attribute("data-state", "cancelled")
    expect(page.get_by_role("button", name="Cancel order")).to_have_count(0)
    anna.refresh_from_db()
    assert anna.state == OrderState.CANCELLED


def test_phone_order_entered_by_hand_ends_allocated(browser_page, live_url, support_user, catalogue):
    page = browser_page
    login(page, live_url, "agent", "pw-agent")
    page.goto(f"{live_url}/support/orders/new/")

    page.get_by_label("Customer e-mail").fill("phone@example.com")
    page.get_by_label("Customer name").fill("Paula Phone")
    page.get_by_label("Name:", exact=True).fill("Paula Phone")
    page.get_by_label("Street and number").fill("Am Markt 1")
    page.get_by_label("Postcode").fill("04109")
    page.get_by_label("City").fill("Leipzig")
    page.get_by_label("Country:", exact=True).select_option("DE")

    page.get_by_role("searchbox", name="Find a product").fill("SHIRT")
    page.get_by_role("button", name="Add SHIRT-BLK-M").click()
    quantity = page.get_by_role("spinbutton", name="Quantity of SHIRT-BLK-M")
    expect(quantity).to_be_visible()
    expect(page.locator("#phone-lines")).to_contain_text("50")  # stock shown on the line
    quantity.fill("3")
    expect(page.locator("#order-totals")).to_contain_text("74")  # 3 x 24.90 = 74.70, updated as typed

    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Order")
    order = Order.objects.get(customer__email="phone@example.com")
    assert order.channel.code == "phone"
    assert order.state == OrderState.ALLOCATED
    assert order.lines.get().quantity == 3
    expect(page.locator("#order-body [data-state]").first).to_have_attribute("data-state", "allocated")
