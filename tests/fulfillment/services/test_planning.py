"""Building waves: what a wave releases and writes, and that it does so in a fixed number of
statements whatever the number of orders (the warehouse builds waves of a thousand)."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fulfillment.exceptions import NothingToPickError
from fulfillment.models import PickLine, Shipment
from fulfillment.services import planning
from fulfillment.services.planning import WaveRule, build_wave
from oms import events
from orders.models import EventKind, Order, OrderEvent, OrderState
from orders.services.lifecycle import hold_order
from tests.fulfillment import shipping
from tests.fulfillment.warehouse_data import allocated_order, channel, make_bin, make_warehouse, stock_in_bins

pytestmark = pytest.mark.django_db

# Every statement of a wave: the candidates, the queued shipments, the release (lock and read,
# update, timeline), the pick list's number and row, allocations, earlier shipments,
# warehouses, shipments, bin stock, units other shipments claim, shipment lines, pick lines,
# the planned entries, plus the savepoints of the nested atomic blocks.
WAVE_STATEMENTS = 19
MONDAY = datetime.datetime(2026, 12, 7, 9, 0, tzinfo=ZoneInfo("Europe/Berlin"))


@pytest.fixture
def berlin():
    warehouse = make_warehouse()
    stock_in_bins("MUG-1", {make_bin(warehouse, "A-01-01", 10): 100})
    stock_in_bins("TEE-1", {make_bin(warehouse, "B-01-01", 20): 100, make_bin(warehouse, "B-02-01", 30): 100})
    return warehouse


def _orders(count: int) -> list[Order]:
    shop = channel()
    return [allocated_order(shop, {"MUG-1": 1, "TEE-1": 2} if i % 2 else {"TEE-1": 1}) for i in range(count)]


def _statements_for_a_wave(warehouse, count: int) -> int:
    _orders(count)
    with CaptureQueriesContext(connection) as queries:
        build_wave(warehouse=warehouse, rule=WaveRule(max_orders=count))
    return len(queries.captured_queries)


def test_a_wave_of_twelve_orders_takes_as_many_statements_as_a_wave_of_two(berlin):
    small = _statements_for_a_wave(berlin, 2)
    large = _statements_for_a_wave(berlin, 12)

    assert small == large == WAVE_STATEMENTS


def test_a_wave_releases_its_orders_writes_their_timeline_and_publishes_each_release(
    berlin, django_capture_on_commit_callbacks
):
    orders = _orders(3)
    released = []
    events.subscribe("order.released", released.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            wave = build_wave(warehouse=berlin, rule=WaveRule(max_orders=10))
    finally:
        events.unsubscribe("order.released", released.append)

    assert sorted(p["order_id"] for p in released) == sorted(o.pk for o in orders)
    for order in orders:
        order.refresh_from_db()
        assert order.state == OrderState.IN_FULFILLMENT and order.released_at is not None
        kinds = list(OrderEvent.objects.filter(order=order).values_list("kind", "to_state"))
        assert (EventKind.TRANSITION, OrderState.IN_FULFILLMENT) in kinds
        shipment = Shipment.objects.get(order=order)
        assert shipment.pick_list == wave
        assert OrderEvent.objects.filter(order=order, kind=EventKind.SHIPMENT, data__shipment_id=shipment.pk).exists()
    sequences = list(PickLine.objects.filter(pick_list=wave).order_by("pk").values_list("sequence", flat=True))
    assert sequences == sorted(sequences)  # walking order
    assert sum(PickLine.objects.filter(pick_list=wave).values_list("quantity", flat=True)) == 1 + 3 + 1


def test_an_order_held_after_the_wave_chose_it_stays_out_and_the_rest_is_released(berlin, monkeypatch):
    first, second = _orders(2)
    choose = planning._candidate_orders

    def chosen_then_held(**kwargs):
        ids = choose(**kwargs)
        hold_order(order=second, reason="Adresse unklar")  # between choosing and locking
        return ids

    monkeypatch.setattr(planning, "_candidate_orders", chosen_then_held)

    wave = build_wave(warehouse=berlin, rule=WaveRule(max_orders=10))

    assert list(Shipment.objects.filter(pick_list=wave).values_list("order_id", flat=True)) == [first.pk]
    assert Order.objects.get(pk=second.pk).state == OrderState.ON_HOLD
    assert not Shipment.objects.filter(order=second).exists()


def test_a_wave_by_the_carriers_cut_off_takes_only_orders_allocated_before_its_pickup_today(berlin):
    service = shipping.service("gls", "business")
    service.carrier.pickup_cutoff = datetime.time(12, 0)
    service.carrier.save(update_fields=["pickup_cutoff"])
    shop = channel()
    with time_machine.travel(MONDAY.replace(hour=11), tick=False):
        in_time = allocated_order(shop, {"MUG-1": 1})
    with time_machine.travel(MONDAY.replace(hour=12, minute=30), tick=False):
        too_late = allocated_order(shop, {"MUG-1": 1})  # before the warehouse's 14:00, after the pickup

    with time_machine.travel(MONDAY.replace(hour=13), tick=False):
        wave = build_wave(
            warehouse=berlin, rule=WaveRule(carrier_service_id=service.pk, carrier_cutoff=True, max_orders=10)
        )

    assert list(Shipment.objects.filter(pick_list=wave).values_list("order_id", flat=True)) == [in_time.pk]
    assert Order.objects.get(pk=too_late.pk).state == OrderState.ALLOCATED
    assert wave.rule["carrier_cutoff"] is True and wave.rule["cutoff"].startswith("2026-12-07T12:00")


def test_a_wave_by_the_carriers_cut_off_needs_a_carrier_and_a_pickup_day(berlin, settings):
    settings.LANGUAGE_CODE = "en"
    _orders(1)
    with pytest.raises(NothingToPickError, match="Choose a carrier service"):
        build_wave(warehouse=berlin, rule=WaveRule(carrier_cutoff=True))
    service = shipping.service("gls", "business")
    with (
        time_machine.travel(MONDAY - datetime.timedelta(days=1), tick=False),  # a Sunday
        pytest.raises(NothingToPickError, match="GLS collects nothing at BER today"),
    ):
        build_wave(warehouse=berlin, rule=WaveRule(carrier_service_id=service.pk, carrier_cutoff=True))
    assert not Shipment.objects.exists()
