"""Purchasing journey: a manager turns a replenishment suggestion into a purchase order in one step,
sends it to the supplier, receives the delivery on the order's page, and the stock goes up."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core import mail as django_mail
from django.utils import timezone
from playwright.sync_api import expect

from inventory.models import DemandForecast, PurchaseOrder, PurchaseOrderState, StockLevel, Supplier
from tests.browser.conftest import login
from tests.inventory.screens import make_bin, make_product, make_warehouse, put_stock

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def suggestion():
    """LAMP-7 has 2 left in BER; its suggestion says reorder at 10, up to 30 (an order of 28)."""
    ber = make_warehouse("BER")
    make_bin(ber, "R-01")
    lamp = make_product("LAMP-7", "Desk lamp")
    lamp.default_supplier = Supplier.objects.create(name="Acme Supplies", email="orders@acme.example")
    lamp.save()
    put_stock(lamp, ber, 2)
    return DemandForecast.objects.create(
        product=lamp,
        warehouse=ber,
        computed_at=timezone.now(),
        history_end=datetime.date(2026, 11, 30),
        method="test",
        suggested_reorder_point=10,
        suggested_target=30,
        suggested_order_qty=28,
    )


def test_manager_orders_a_suggestion_sends_it_and_receives_it_into_stock(
    browser_page, live_url, manager_user, suggestion
):
    page = browser_page
    login(page, live_url, manager_user.username, f"pw-{manager_user.username}")

    # The suggestion needing an order is ticked already: one click makes the draft.
    page.goto(f"{live_url}/reports/replenishment/")
    expect(page.get_by_role("checkbox", name="Order LAMP-7 for BER")).to_be_checked()
    page.get_by_role("button", name="Create purchase orders").click()
    expect(page.get_by_role("status")).to_contain_text("1 draft purchase order created")
    po = PurchaseOrder.objects.get()
    table = page.get_by_role("region", name="Purchase order list")
    expect(table.get_by_role("row", name=re.compile(po.number))).to_contain_text("Acme Supplies")

    # Check it and send it to the supplier: the PDF goes out by mail.
    table.get_by_role("link", name=po.number).click()
    lines = page.get_by_role("table", name="Purchase order lines")
    expect(lines.get_by_role("row", name=re.compile("LAMP-7"))).to_contain_text("28")
    page.get_by_role("button", name="Send to supplier").click()
    expect(page.get_by_role("status")).to_contain_text(f"{po.number} is sent to Acme Supplies")
    expect(page.get_by_role("region", name="Sent to the supplier")).to_contain_text("orders@acme.example")
    [sent] = django_mail.outbox
    assert sent.to == ["orders@acme.example"] and sent.attachments[0][0] == f"{po.number}.pdf"

    # The delivery arrives in full: 28 into bin R-01.
    receive = page.get_by_role("form", name="Receive")
    receive.get_by_label("Received of LAMP-7").fill("28")
    receive.get_by_label("Bin", exact=True).fill("R-01")
    receive.get_by_role("button", name="Book receipt").click()
    expect(page.get_by_role("status")).to_contain_text(f"Received 28 units on 1 lines of {po.number}")
    expect(page.locator('[data-state="received"]')).to_have_text("Received")
    assert PurchaseOrder.objects.get().state == PurchaseOrderState.RECEIVED

    # Stock went up: 2 + 28 on hand.
    page.goto(f"{live_url}/warehouse/products/LAMP-7/")
    expect(page.get_by_label("On hand total")).to_have_text("30")
    assert StockLevel.objects.get(product=suggestion.product).on_hand == 30
