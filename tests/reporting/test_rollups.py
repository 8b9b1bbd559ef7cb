"""The rollups: facts, state spans and daily sums computed from the stored rows, kept current
past a watermark, and equal to a full rebuild whatever the order of changes and refreshes."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orders.models import Order
from orders.services.cancellation import cancel_order
from orders.services.intake import place_order
from orders.services.lifecycle import hold_order, unhold_order
from reporting.models import DailySales, OrderFact, StateSpan, Watermark
from reporting.services import rollups
from reporting.services.rollups import data_as_of, rebuild_rollups, refresh_rollups
from tests.reliability import ordering
from tests.reporting.world import at, order_with_history, snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_an_order_shipped_through_every_stage_has_its_stage_times_to_the_second():
    order = order_with_history(
        {
            "placed": "2026-03-02 09:00:00",
            "confirmed": "2026-03-02 09:30:15",
            "released": "2026-03-02 11:00:00",
            "picked": "2026-03-02 11:45:30",
            "shipped": "2026-03-02 13:10:00",
            "delivered": "2026-03-03 10:00:00",
        },
        quantity=2,
        price="59.50",
    )
    rebuild_rollups()
    fact = OrderFact.objects.get(order_id=order.pk)
    assert fact.day == datetime.date(2026, 3, 2)
    assert fact.units == 2
    # 2 x 59.50 + 4.90 shipping, gross; 19 % VAT in it: 123.90 / 1.19 = 104.12 net.
    assert fact.gross == Decimal("123.90")
    assert fact.net == Decimal("104.12")
    assert (fact.to_confirm, fact.to_allocate, fact.to_release) == (1815, 0, 5385)
    assert (fact.to_pick, fact.to_ship, fact.to_deliver) == (2730, 5070, 75000)
    assert fact.placed_to_shipped == 4 * 3600 + 600
    assert fact.placed_to_delivered == 25 * 3600
    spans = list(StateSpan.objects.filter(order_id=order.pk).order_by("entered_at", "pk"))
    assert [(s.state, s.seconds) for s in spans] == [
        ("pending", 1815),
        ("confirmed", 0),
        ("allocated", 5385),
        ("in_fulfillment", 2730 + 5070),
        ("shipped", 75000),
        ("delivered", None),
    ]


def test_days_are_cut_at_midnight_in_berlin_not_in_utc():
    # 00:30 in Berlin on 1 March is 23:30 UTC on 28 February.
    early = order_with_history({"placed": "2026-03-01 00:30"})
    late = order_with_history({"placed": "2026-02-28 23:59:59"})
    rebuild_rollups()
    assert OrderFact.objects.get(order_id=early.pk).day == datetime.date(2026, 3, 1)
    assert OrderFact.objects.get(order_id=late.pk).day == datetime.date(2026, 2, 28)
    assert list(DailySales.objects.order_by("day").values_list("day", "orders")) == [
        (datetime.date(2026, 2, 28), 1),
        (datetime.date(2026, 3, 1), 1),
    ]


def test_a_state_across_the_change_to_summer_time_lasts_its_real_seconds():
    # 29 March 2026: clocks jump from 02:00 to 03:00 in Berlin; 01:30 → 03:30 is one real hour.
    order = order_with_history({"placed": "2026-03-29 01:30", "confirmed": "2026-03-29 03:30"})
    rebuild_rollups()
    assert OrderFact.objects.get(order_id=order.pk).to_confirm == 3600


def test_refresh_picks_up_changes_past_the_watermark_and_a_refresh_that_dies_changes_nothing(monkeypatch):
    first = order_with_history({"placed": "2026-03-02 09:00"})
    with time_machine.travel(at("2026-03-02 09:01"), tick=False):
        refresh_rollups()
    assert DailySales.objects.get().orders == 1
    with time_machine.travel(at("2026-03-02 10:00"), tick=False):
        cancel_order(order=Order.objects.get(pk=first.pk), reason="customer changed mind")
    second = order_with_history({"placed": "2026-03-02 10:05"})

    def dies(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(rollups, "_store_days", dies)
    with time_machine.travel(at("2026-03-02 10:06"), tick=False), pytest.raises(RuntimeError):
        refresh_rollups()
    monkeypatch.undo()
    assert Watermark.objects.get().position == at("2026-03-02 09:01")
    assert DailySales.objects.get().orders == 1
    with time_machine.travel(at("2026-03-02 10:06"), tick=False):
        result = refresh_rollups()
    assert result.orders == 2
    assert data_as_of() == at("2026-03-02 10:06")
    daily = DailySales.objects.get()
    assert (daily.orders, daily.cancelled_orders) == (1, 1)
    assert OrderFact.objects.get(order_id=second.pk).gross == Decimal("24.89")  # 19.99 + 4.90 shipping


def test_rebuild_command_shows_progress_and_rebuilds(capsys):
    order_with_history({"placed": "2026-03-02 09:00"})
    call_command("rebuild_rollups")
    out = capsys.readouterr().out
    assert "1/1 orders" in out
    assert "Rebuilt the rollups of 1 orders" in out
    assert OrderFact.objects.count() == 1


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(["place", "hold", "unhold", "cancel", "refresh"]), st.integers(1, 400)),
        min_size=1,
        max_size=12,
    )
)
def test_incremental_refreshes_equal_a_full_rebuild(steps):
    """Whatever happens between refreshes, and whenever they run, the rollups they leave equal
    those a rebuild computes from scratch."""
    ordering.make_product("PROP-1", units=1000)
    moment = at("2026-10-24 22:00")  # spans the end of summer time (25 October)
    # Each example runs in a savepoint rolled back at its end, so examples do not see each other.
    with transaction.atomic():
        orders: list[int] = []
        for action, minutes in steps:
            moment += datetime.timedelta(minutes=minutes)
            with time_machine.travel(moment, tick=False):
                if action == "place" or not orders:
                    draft = ordering.order_draft({"PROP-1": 1})
                    orders.append(place_order(channel=ordering.make_channel("web"), draft=draft).order.pk)
                elif action == "refresh":
                    refresh_rollups()
                else:
                    order = Order.objects.get(pk=orders[minutes % len(orders)])
                    try:
                        if action == "hold":
                            hold_order(order=order, reason="check")
                        elif action == "unhold":
                            unhold_order(order=order)
                        else:
                            cancel_order(order=order, reason="customer")
                    except Exception:  # an illegal move here: nothing changed
                        pass
        moment += datetime.timedelta(minutes=1)
        with time_machine.travel(moment, tick=False):
            # A refresh reads at most a day of changes and says when there is more (the task then
            # runs again at once): over a day and the extra hour of 25 October, that takes two.
            while refresh_rollups().more:
                pass
            incremental = snapshot()
            rebuild_rollups()
            assert snapshot() == incremental
        transaction.set_rollback(True)
