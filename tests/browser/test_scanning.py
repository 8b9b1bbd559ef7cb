"""A keyboard-wedge scanner is faster than a round trip: codes scanned while the answer to the
last one is still on its way are queued and sent in order, so none is lost (pick and pack)."""

from __future__ import annotations

import time

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from fulfillment.models import Shipment
from fulfillment.services.planning import build_pick_list_for_order
from fulfillment.views import packing as packing_views
from fulfillment.views import picking as picking_views
from tests.browser.conftest import login, new_context
from tests.fulfillment.warehouse_data import allocated_order, channel, make_bin, make_warehouse, stock_in_bins

pytestmark = pytest.mark.django_db(transaction=True)

# Long enough that the second scan is typed while the first is surely still on its way.
SLOW_SERVER_S = 0.6


@pytest.fixture
def handheld(browser, live_url):
    context = new_context(browser, locale="en-GB", viewport={"width": 390, "height": 844}, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def pick_list():
    berlin = make_warehouse()
    stock_in_bins("MUG-1", {make_bin(berlin, "A-01-01", 10): 5})
    order = allocated_order(channel(), {"MUG-1": 3})
    return build_pick_list_for_order(order=order, warehouse=berlin)


def _slowly(func):
    def slow(*args, **kwargs):
        time.sleep(SLOW_SERVER_S)
        return func(*args, **kwargs)

    return slow


def test_two_quick_scans_while_the_server_is_slow_both_count_on_the_pick_and_the_pack_screen(
    handheld, live_url, warehouse_user, pick_list, monkeypatch
):
    page = handheld
    login(page, live_url, warehouse_user.username, f"pw-{warehouse_user.username}")
    monkeypatch.setattr(picking_views, "scan_pick", _slowly(picking_views.scan_pick))
    page.goto(live_url + reverse("fulfillment:warehouse-pick", kwargs={"number": pick_list.number}))
    field = page.locator("[data-scan-field]")
    expect(field).to_be_focused()

    # Three scans in a row, as fast as a scanner types: the first is on its way for the others.
    page.keyboard.type("MUG-1\nMUG-1\n", delay=5)
    expect(page.get_by_label("Progress")).to_have_text("2 of 3 units")
    page.keyboard.type("MUG-1\n", delay=5)
    expect(page.get_by_text("The pick list is complete").first).to_be_visible()
    assert sum(pick_list.lines.values_list("quantity_picked", flat=True)) == 3

    # Packing carries the scans so far in the form: each queued scan goes from the new one.
    shipment = Shipment.objects.get(pick_list=pick_list)
    monkeypatch.setattr(packing_views, "packing_lines", _slowly(packing_views.packing_lines))
    page.goto(live_url + reverse("fulfillment:warehouse-pack-shipment", kwargs={"reference": shipment.reference}))
    expect(field).to_be_focused()
    page.keyboard.type("MUG-1\nMUG-1\nMUG-1\n", delay=5)
    expect(page.locator("#scan-feedback")).to_have_text("MUG-1 verified: 3 of 3.", timeout=15_000)
    expect(page.get_by_label("Scanned MUG-1")).to_have_text("3")
    expect(field).to_be_focused()
