"""The return journey in a real browser: support creates a return for two items on the order
page; the warehouse receives the parcel on /warehouse/returns/, restocks one item into a bin and
books the other in as damaged (blocked, not sellable); billing's credit note and refund cover the
accepted item only, and the order page shows the returned units, the credit note and the refund."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import CreditNote
from inventory.models import MovementKind, StockLevel, StockMovement
from orders.models import PaymentTransaction, TransactionKind
from returns.models import ReturnRequest, ReturnState
from tests.browser.conftest import login, new_context
from tests.returns.receiving_data import delivered_order, returns_bin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def tablet(browser, live_url):
    """The warehouse's tablet (portrait, touch), English UI."""
    context = new_context(browser, locale="en-GB", viewport={"width": 800, "height": 1280}, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


def _scan(page, code: str) -> None:
    """A keyboard-wedge scanner: types into the focused scan field, then Enter."""
    field = page.locator("[data-scan-field]")
    expect(field).to_be_focused()
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def test_support_creates_a_return_the_warehouse_restocks_one_item_and_quarantines_the_other_and_only_it_is_refunded(
    browser_page, tablet, live_url, support_user, warehouse_user
):
    # Delivered three days ago (inside the 14-day window whatever the date), paid by card.
    delivered = timezone.localtime() - datetime.timedelta(days=3)
    order = delivered_order({"SHIRT": (1, "29.90"), "JEANS": (1, "89.00")}, shipping="4.90", delivered=delivered)
    returns_bin("R-01-01")

    # Support: the order page's RMA panel, "Create return" for both items.
    page = browser_page
    login(page, live_url, support_user.username, f"pw-{support_user.username}")
    page.goto(f"{live_url}/support/orders/{order.number}/")
    panel = page.locator("#order-returns")
    expect(panel).to_contain_text("No returns yet.")
    panel.locator("summary", has_text="Create return").click()
    form = panel.get_by_role("form", name="Create return")
    form.get_by_label("Units of SHIRT to return").fill("1")
    form.get_by_label("Units of JEANS to return").fill("1")
    form.get_by_role("combobox", name=re.compile("^Reason")).select_option("does_not_fit")
    form.get_by_role("button", name="Create return").click()
    expect(page.locator("#messages")).to_contain_text(re.compile(r"Return RMA-\d{4}-\d{6} created \(Approved\)\."))
    rma = ReturnRequest.objects.get(order=order)
    card = panel.get_by_role("article", name=rma.number)
    expect(card).to_contain_text("Approved")
    expect(card).to_contain_text("approved automatically")

    # Warehouse: scan the RMA number, then each item in its condition.
    wh = tablet
    login(wh, live_url, warehouse_user.username, f"pw-{warehouse_user.username}")
    wh.goto(f"{live_url}/warehouse/returns/")
    expect(wh.get_by_role("table", name="Expected returns")).to_contain_text(rma.number)
    _scan(wh, rma.number)
    expect(wh.get_by_role("heading", name=f"Return {rma.number}")).to_be_visible()

    wh.get_by_role("radio", name="Resellable").check()
    wh.get_by_label("Bin for resellable items").fill("R-01-01")
    wh.get_by_label("Bin for resellable items").press("Enter")  # the bin's scan: focus back to the item field
    _scan(wh, "SHIRT")
    expect(wh.locator("#scan-feedback")).to_have_text("SHIRT resellable, into bin R-01-01 (1 of 1).")

    wh.get_by_role("radio", name="Damaged").check()
    _scan(wh, "JEANS")
    feedback = wh.locator("#scan-feedback")
    expect(feedback).to_contain_text("JEANS damaged, booked in as blocked (1 of 1).")
    expect(feedback).to_contain_text("Every item is booked: the return is inspected.")
    expect(wh.get_by_role("region", name="Damaged, blocked in stock")).to_contain_text("JEANS")

    # Every unit is booked: the screen takes no more scans, also when the parcel is opened again.
    expect(wh.locator("[data-scan-field]")).to_have_count(0)
    wh.goto(f"{live_url}/warehouse/returns/")
    _scan(wh, rma.number)
    expect(wh.get_by_role("alert")).to_contain_text("is received and inspected already: nothing more to book.")

    # Stock: the shirt is sellable again in R-01-01, the jeans are on hand but blocked.
    movements = StockMovement.objects.filter(kind=MovementKind.RETURN, reference=rma.number)
    assert sorted((m.product.sku, m.quantity) for m in movements) == [("JEANS", 1), ("SHIRT", 1)]
    assert movements.get(product__sku="SHIRT").bin.code == "R-01-01"
    jeans_level = StockLevel.objects.with_available().get(product__sku="JEANS")
    shirt_level = StockLevel.objects.with_available().get(product__sku="SHIRT")
    assert jeans_level.blocked == 1 and jeans_level.available == jeans_level.on_hand - jeans_level.reserved - 1
    assert shirt_level.blocked == 0

    # Billing: one credit note and one refund, for the shirt only (no shipping: not a full return).
    rma.refresh_from_db()
    assert rma.state == ReturnState.REFUNDED
    (note,) = CreditNote.objects.filter(invoice__order=order)
    assert note.total == Decimal("29.90")
    assert [line.sku for line in note.lines.all()] == ["SHIRT"]
    refunds = PaymentTransaction.objects.filter(order=order, kind=TransactionKind.REFUND)
    assert [r.amount for r in refunds] == [Decimal("29.90")]

    # The order page shows it: returned units, the credit note, the refund, the return refunded.
    page.reload()
    returned = page.locator("#order-lines tbody tr")
    expect(returned.filter(has_text="SHIRT").locator("td").nth(5)).to_have_text("1")
    expect(returned.filter(has_text="JEANS").locator("td").nth(5)).to_have_text("1")
    invoices = page.locator("#order-invoices")
    expect(invoices).to_contain_text(note.number)
    expect(invoices).to_contain_text("\u221229.90 €")  # a minus sign
    money = page.locator("#order-money")
    expect(money).to_contain_text("Refund")
    expect(money).to_contain_text("29.90 €")
    card = page.locator("#order-returns").get_by_role("article", name=rma.number)
    expect(card).to_contain_text("Refunded")
    expect(card.locator("tr[data-sku=SHIRT]")).to_contain_text("1")
    expect(page.locator("#order-timeline")).to_contain_text(f"Return {rma.number} refunded")
