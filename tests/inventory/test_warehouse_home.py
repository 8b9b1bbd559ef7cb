"""The warehouse home: deliveries due for receiving, and the stock lists a shift starts with."""

from __future__ import annotations

import datetime
import zoneinfo

import pytest
from django.urls import reverse

from inventory.models import PurchaseOrderState
from inventory.services.purchasing import send_purchase_order
from inventory.services.receiving import OrderLineInput, create_purchase_order
from tests.inventory.factories import ProductFactory, PurchaseOrderFactory, SupplierFactory, WarehouseFactory

# Tuesday 00:30 in Berlin, still Monday in UTC: "today" is the warehouse's Tuesday.
EARLY_SHIFT = datetime.datetime(2026, 11, 24, 0, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Berlin"))
TODAY = datetime.date(2026, 11, 24)

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(EARLY_SHIFT, tick=False)]


def test_warehouse_home_lists_deliveries_due_today_or_overdue_soonest_first(warehouse_client):
    today = TODAY
    day = datetime.timedelta(days=1)
    PurchaseOrderFactory(number="PO-LATE", expected_date=today - 3 * day)
    PurchaseOrderFactory(number="PO-TODAY", expected_date=today)
    PurchaseOrderFactory(number="PO-TOMORROW", expected_date=today + day)
    PurchaseOrderFactory(number="PO-NEXT-WEEK", expected_date=today + 7 * day)
    PurchaseOrderFactory(number="PO-DONE", expected_date=today - day, state=PurchaseOrderState.RECEIVED)

    html = warehouse_client.get(reverse("warehouse-home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "PO-LATE" in html and "PO-TODAY" in html
    assert html.index("PO-LATE") < html.index("PO-TODAY")
    assert "PO-TOMORROW" not in html and "PO-NEXT-WEEK" not in html and "PO-DONE" not in html
    assert html.count(">overdue<") == 1
    assert f'href="{reverse("inventory:receiving")}?po=PO-TODAY"' in html
    assert f'href="{reverse("inventory:stock-list")}?out=on"' in html


def test_warehouse_home_says_when_nothing_is_due(warehouse_client):
    html = warehouse_client.get(reverse("warehouse-home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No purchase order is due today." in html


def test_warehouse_home_points_to_all_deliveries_when_more_are_due_than_shown(warehouse_client):
    for _ in range(10):
        PurchaseOrderFactory(expected_date=TODAY)
    html = warehouse_client.get(reverse("warehouse-home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "All 10 deliveries due" in html
    # The link opens the purchase order list on exactly these: open, expected up to today.
    link = f"{reverse('inventory:purchase-order-list')}?state=open&amp;expected_to={TODAY.isoformat()}"
    assert f'href="{link}"' in html
    listed = warehouse_client.get(link.replace("&amp;", "&"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "10 matches" in listed


def test_a_draft_is_not_due_and_sending_it_makes_its_expected_date_count(warehouse_client):
    draft = create_purchase_order(
        supplier=SupplierFactory(email="orders@acme.example"),
        warehouse=WarehouseFactory(),
        lines=[OrderLineInput(product_id=ProductFactory().pk, quantity=3)],
        expected_date=TODAY,
        draft=True,
    )
    home = reverse("warehouse-home")
    assert draft.number not in warehouse_client.get(home, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    send_purchase_order(purchase_order=draft)

    assert draft.number in warehouse_client.get(home, HTTP_ACCEPT_LANGUAGE="en").content.decode()
