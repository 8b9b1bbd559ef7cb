"""Backordered lines say when their stock is expected: the open purchase order whose arrival covers
the missing units, after the backorders placed before them, on the order page and in the API."""

# ruff: noqa: F811

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from inventory.models import Supplier
from inventory.services.purchasing import send_purchase_order
from inventory.services.receiving import OrderLineInput, create_purchase_order
from orders.models import OrderState
from orders.selectors.backorders import expected_stock_for_order
from tests.orders.api_fixtures import api, api_key, channel  # noqa: F401  (fixtures)
from tests.orders.factories import order_for, stocked_product, warehouse

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def ber():
    return warehouse("BER")


def purchase_order(product, warehouse, quantity, expected, *, draft=False):
    supplier, _ = Supplier.objects.get_or_create(name="Acme", defaults={"email": "o@acme.example"})
    po = create_purchase_order(
        supplier=supplier,
        warehouse=warehouse,
        lines=[OrderLineInput(product_id=product.pk, quantity=quantity)],
        expected_date=expected,
        draft=True,
    )
    if not draft:
        send_purchase_order(purchase_order=po)
    return po


def test_older_backorders_take_the_first_arrival_and_a_later_one_waits_for_the_next(channel, ber):
    product = stocked_product("LAMP-1", {})
    first = purchase_order(product, ber, 5, datetime.date(2026, 12, 10))
    second = purchase_order(product, ber, 10, datetime.date(2026, 12, 20))
    purchase_order(product, ber, 100, datetime.date(2026, 12, 12), draft=True)  # not ordered yet: counts nothing
    older = order_for(channel, {"LAMP-1": 4}, payment_method="invoice")
    newer = order_for(channel, {"LAMP-1": 3}, payment_method="invoice")
    assert older.state == newer.state == OrderState.BACKORDERED

    [for_older] = expected_stock_for_order(order=older, lines=list(older.lines.all()))
    [for_newer] = expected_stock_for_order(order=newer, lines=list(newer.lines.all()))

    assert (for_older.purchase_order, for_older.expected_date, for_older.missing) == (
        first.number,
        datetime.date(2026, 12, 10),
        4,
    )
    assert (for_newer.purchase_order, for_newer.expected_date) == (second.number, datetime.date(2026, 12, 20))


def test_a_backorder_no_open_purchase_order_covers_says_so(channel, ber):
    product = stocked_product("LAMP-1", {})
    purchase_order(product, ber, 2, datetime.date(2026, 12, 10))
    order = order_for(channel, {"LAMP-1": 3}, payment_method="invoice")

    [expected] = expected_stock_for_order(order=order, lines=list(order.lines.all()))

    assert expected.purchase_order is None and expected.expected_date is None and expected.missing == 3


def test_an_allocated_order_expects_nothing(channel, ber):
    stocked_product("MUG-1", {ber: 5})
    order = order_for(channel, {"MUG-1": 2}, payment_method="invoice")
    assert order.state == OrderState.ALLOCATED
    assert expected_stock_for_order(order=order, lines=list(order.lines.all())) == []


def test_the_order_page_shows_when_the_backordered_units_are_expected(support_client, channel, ber):
    product = stocked_product("LAMP-1", {})
    po = purchase_order(product, ber, 5, datetime.date(2026, 12, 10))
    order = order_for(channel, {"LAMP-1": 2}, payment_method="invoice")
    uncovered = order_for(channel, {"LAMP-1": 9}, payment_method="invoice")

    html = support_client.get(reverse("orders:support-order-detail", args=[order.number])).content.decode()
    other = support_client.get(reverse("orders:support-order-detail", args=[uncovered.number])).content.decode()

    assert f"LAMP-1: 2 backordered, expected on 10/12/2026 with purchase order {po.number}." in html
    assert "LAMP-1: 9 backordered; no open purchase order covers them yet." in other


def test_the_order_api_says_when_the_backordered_units_are_expected(api, channel, ber):
    product = stocked_product("LAMP-1", {})
    po = purchase_order(product, ber, 5, datetime.date(2026, 12, 10))
    order = order_for(channel, {"LAMP-1": 2}, payment_method="invoice")

    body = api.get(reverse("orders-api:order-detail", args=[order.number])).json()

    assert body["expected_stock"] == [
        {"position": 1, "sku": "LAMP-1", "missing": 2, "purchase_order": po.number, "expected_date": "2026-12-10"}
    ]


def test_the_order_api_of_an_allocated_order_has_no_expected_stock(api, channel, ber):
    stocked_product("MUG-1", {ber: 5})
    order = order_for(channel, {"MUG-1": 2}, payment_method="invoice")
    body = api.get(reverse("orders-api:order-detail", args=[order.number])).json()
    assert body["expected_stock"] == []


def test_the_schema_describes_the_expected_stock_of_the_order_detail(client):
    schema = client.get("/api/schema/", {"format": "json"}, HTTP_ACCEPT_LANGUAGE="en").json()
    item = schema["components"]["schemas"]["ExpectedStockOutput"]
    assert set(item["properties"]) == {"position", "sku", "missing", "purchase_order", "expected_date"}
    assert item["properties"]["purchase_order"].get("nullable") is True
