"""The order list in a real browser: sort by a column, filter by a date range, export what is
filtered, hold ticked orders in bulk, save a view and open it again with one click."""

from __future__ import annotations

import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from orders.models import Order, OrderState
from tests.browser.conftest import login
from tests.orders.support_fixtures import *  # noqa: F403  (fixtures)
from tests.orders.support_fixtures import place

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BERLIN = ZoneInfo("Europe/Berlin")


def settle(page) -> None:
    """Wait until no htmx request is in flight, so a late answer cannot replace what comes next."""
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def test_agent_sorts_filters_exports_holds_in_bulk_and_saves_a_view(
    browser_page, live_url, support_user, catalogue, webshop
):
    page = browser_page
    with time_machine.travel(datetime.datetime(2026, 11, 2, 12, tzinfo=BERLIN), tick=False):
        early = place(webshop, email="early@example.com", lines=[("SHIRT-BLK-M", 2, "24.90")])
    with time_machine.travel(datetime.datetime(2026, 11, 20, 12, tzinfo=BERLIN), tick=False):
        late = place(webshop, email="late@example.com", lines=[("SHIRT-BLK-M", 1, "24.90")])
    login(page, live_url, "agent", "pw-agent")
    page.goto(f"{live_url}/support/orders/")
    table = page.locator("#order-table")
    rows = table.locator("tbody tr")
    expect(rows.first).to_contain_text(late.number)  # newest first

    # Sort by total (largest first): the URL follows.
    table.get_by_role("link", name="Total").click()
    expect(rows.first).to_contain_text(early.number)
    assert "sort=-total" in page.url

    # A date range: only the order of 20 November.
    page.get_by_label("Placed from").fill("2026-11-15")
    page.get_by_label("Placed to").fill("2026-11-30")
    page.get_by_role("button", name="Search").click()
    expect(table).not_to_contain_text(early.number)
    expect(table).to_contain_text(late.number)
    expect(table).to_contain_text("1 match")
    settle(page)

    # The export is what is filtered.
    with page.expect_download() as download:
        table.get_by_role("button", name="Export CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert late.number in text and early.number not in text

    # Save the view, go to all orders, and back with one click.
    table.get_by_text("Save this view").click()
    table.get_by_label("Name of the view").fill("Ende November")
    table.get_by_role("button", name="Save view").click()
    expect(page.locator("#messages")).to_contain_text("saved")
    table.get_by_role("link", name="All", exact=True).click()
    expect(table).to_contain_text(early.number)
    table.get_by_role("link", name="Ende November").click()
    expect(table).not_to_contain_text(early.number)

    # Hold the ticked order in bulk with one reason.
    table.get_by_role("checkbox", name=f"Choose order {late.number}").check()
    table.get_by_label("Reason").fill("Adresse prüfen")
    table.get_by_role("button", name="Hold", exact=True).click()
    expect(page.locator("#messages")).to_contain_text("1 orders put on hold.")
    assert Order.objects.get(pk=late.pk).state == OrderState.ON_HOLD
    assert Order.objects.get(pk=early.pk).state != OrderState.ON_HOLD
