"""The warehouse home: deliveries due for receiving, and the stock lists a shift starts with."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.models import PurchaseOrderState
from tests.inventory.factories import PurchaseOrderFactory

pytestmark = pytest.mark.django_db


def test_warehouse_home_lists_deliveries_due_today_or_overdue_soonest_first(warehouse_client):
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    PurchaseOrderFactory(number="PO-LATE", expected_date=today - 3 * day)
    PurchaseOrderFactory(number="PO-TODAY", expected_date=today)
    PurchaseOrderFactory(number="PO-NEXT-WEEK", expected_date=today + 7 * day)
    PurchaseOrderFactory(number="PO-DONE", expected_date=today - day, state=PurchaseOrderState.RECEIVED)

    html = warehouse_client.get(reverse("warehouse-home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "PO-LATE" in html and "PO-TODAY" in html
    assert html.index("PO-LATE") < html.index("PO-TODAY")
    assert "PO-NEXT-WEEK" not in html and "PO-DONE" not in html
    assert html.count(">overdue<") == 1
    assert f'href="{reverse("inventory:receiving")}?po=PO-TODAY"' in html
    assert f'href="{reverse("inventory:stock-list")}?out=on"' in html


def test_warehouse_home_says_when_nothing_is_due(warehouse_client):
    html = warehouse_client.get(reverse("warehouse-home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No purchase order is due today." in html


def test_warehouse_home_points_to_all_deliveries_when_more_are_due_than_shown(warehouse_client):
    today = timezone.localdate()
    for _ in range(10):
        PurchaseOrderFactory(expected_date=today)
    html = warehouse_client.get(reverse("warehouse-home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "All 10 deliveries due" in html
