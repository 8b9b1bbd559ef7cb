"""The promised ship date of an allocated order follows the warehouse's daily cut-off in the
business's time zone (Europe/Berlin): allocated before the cut-off ships today, after it the next
working day (Monday after a Friday). Issue 4 lists it on the order; Warehouse.shipping_cutoff
says "Orders released before it ship today"."""

from __future__ import annotations

import datetime

import pytest
import time_machine

from orders.models import OrderState
from tests.orders.factories import order_for, stocked_product

pytestmark = pytest.mark.django_db
UTC = datetime.UTC


@pytest.mark.parametrize(
    ("now_utc", "promised"),
    [
        (datetime.datetime(2026, 11, 23, 12, 0, tzinfo=UTC), datetime.date(2026, 11, 23)),  # Mon 13:00 Berlin
        (datetime.datetime(2026, 11, 23, 13, 30, tzinfo=UTC), datetime.date(2026, 11, 24)),  # Mon 14:30 Berlin
        (datetime.datetime(2026, 11, 27, 15, 0, tzinfo=UTC), datetime.date(2026, 11, 30)),  # Fri 16:00 Berlin
    ],
)
def test_an_allocated_order_promises_a_ship_date_by_the_warehouse_cut_off(channel, lej, now_utc, promised):
    assert lej.shipping_cutoff == datetime.time(14, 0)
    stocked_product("P-1", {lej: 5})

    with time_machine.travel(now_utc, tick=False):
        order = order_for(channel, {"P-1": 1}, payment_method="invoice")

    assert order.state == OrderState.ALLOCATED
    order.refresh_from_db()
    assert order.promised_ship_date == promised


@pytest.mark.parametrize(
    ("now_utc", "warehouse", "promised"),
    [
        # Thu 24 Dec 2026, 15:00 Berlin, after the cut-off; 25 and 26 Dec are holidays, then Sunday.
        (datetime.datetime(2026, 12, 24, 14, 0, tzinfo=UTC), "lej", datetime.date(2026, 12, 28)),
        # Mon 7 Dec 2026, 15:00 in Vienna: 8 Dec is a holiday in Austria, not in Germany.
        (datetime.datetime(2026, 12, 7, 14, 0, tzinfo=UTC), "vie", datetime.date(2026, 12, 9)),
        (datetime.datetime(2026, 12, 7, 14, 0, tzinfo=UTC), "lej", datetime.date(2026, 12, 8)),
        # Saturday morning: Monday.
        (datetime.datetime(2026, 11, 28, 8, 0, tzinfo=UTC), "lej", datetime.date(2026, 11, 30)),
        # Tue 00:30 in Berlin is still Monday in UTC: Berlin's Tuesday, before its cut-off.
        (datetime.datetime(2026, 11, 23, 23, 30, tzinfo=UTC), "lej", datetime.date(2026, 11, 24)),
        # New Year's Eve 23:30 Berlin: 1 Jan 2027 is a holiday (a Friday), then the weekend.
        (datetime.datetime(2026, 12, 31, 22, 30, tzinfo=UTC), "lej", datetime.date(2027, 1, 4)),
    ],
)
def test_the_promise_skips_weekends_and_the_warehouse_countrys_public_holidays(
    request, channel, now_utc, warehouse, promised
):
    stocked_product("P-1", {request.getfixturevalue(warehouse): 5})
    with time_machine.travel(now_utc, tick=False):
        order = order_for(channel, {"P-1": 1}, payment_method="invoice")
    order.refresh_from_db()
    assert order.promised_ship_date == promised


def test_a_split_order_is_promised_for_its_last_shipment_and_a_backorder_for_nothing(channel, lej, vie):
    stocked_product("P-1", {lej: 1})
    stocked_product("P-2", {vie: 1})
    monday_evening = datetime.datetime(2026, 12, 7, 14, 0, tzinfo=UTC)  # after both cut-offs
    with time_machine.travel(monday_evening, tick=False):
        split = order_for(channel, {"P-1": 1, "P-2": 1}, payment_method="invoice")
        waiting = order_for(channel, {"P-1": 5}, payment_method="invoice")
    split.refresh_from_db()
    waiting.refresh_from_db()
    assert split.state == OrderState.ALLOCATED
    assert split.promised_ship_date == datetime.date(2026, 12, 9)  # Vienna's part waits for 8 Dec
    assert waiting.state == OrderState.BACKORDERED and waiting.promised_ship_date is None


def test_the_order_page_tells_the_agent_when_the_order_ships(channel, lej, support_client):
    from django.urls import reverse

    stocked_product("P-1", {lej: 5})
    with time_machine.travel(datetime.datetime(2026, 11, 27, 15, 0, tzinfo=UTC), tick=False):
        order = order_for(channel, {"P-1": 1}, payment_method="invoice")

    url = reverse("orders:support-order-detail", args=[order.number])
    english = support_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    german = support_client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert 'data-promised="2026-11-30"' in english
    assert "ships Monday, 30/11/2026" in english
    assert "Versand Montag, 30.11.2026" in german
