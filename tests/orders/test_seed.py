"""The orders demo seeder: history across states, consistent stock, idempotent."""

from __future__ import annotations

import datetime

import pytest
from django.db.models import Sum

from inventory.models import StockLevel
from inventory.seed import seed_inventory
from orders.models import Allocation, Channel, Order, OrderState
from orders.seed import seed_orders

# The seeded history runs up to today and its seasons follow the calendar: a fixed day makes the
# data (and every count below) the same on every run.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)),
]


def test_seed_creates_history_and_consistent_open_orders_and_is_idempotent():
    seed_inventory(scale=0.1)
    seed_orders(scale=0.1)

    assert set(Channel.objects.values_list("code", flat=True)) >= {"web", "marketplace", "phone"}
    states = set(Order.objects.values_list("state", flat=True))
    assert {OrderState.COMPLETED, OrderState.CANCELLED, OrderState.ALLOCATED} <= states
    first, last = Order.objects.order_by("placed_at").first(), Order.objects.order_by("placed_at").last()
    assert (last.placed_at - first.placed_at).days > 700
    # Reservations are exactly the open orders' allocations.
    reserved = StockLevel.objects.aggregate(s=Sum("reserved"))["s"]
    assert reserved == Allocation.objects.aggregate(s=Sum("quantity"))["s"]
    numbers = list(Order.objects.values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))

    count = Order.objects.count()
    seed_orders(scale=0.1)
    assert Order.objects.count() == count


def test_seed_history_has_weekly_and_yearly_seasonality_and_customers():
    from django.db.models import Count
    from django.db.models.functions import ExtractMonth, ExtractWeekDay

    seed_inventory(scale=0.1)
    seed_orders(scale=1.0)

    history = Order.objects.filter(state__in=[OrderState.COMPLETED, OrderState.DELIVERED, OrderState.CANCELLED])
    by_weekday = dict(
        history.annotate(d=ExtractWeekDay("placed_at")).values("d").annotate(n=Count("pk")).values_list("d", "n")
    )
    assert by_weekday[2] > 1.4 * by_weekday[1]  # Mondays (2) are busier than Sundays (1)
    by_month = dict(
        history.annotate(m=ExtractMonth("placed_at")).values("m").annotate(n=Count("pk")).values_list("m", "n")
    )
    assert by_month[11] + by_month[12] > 1.3 * (by_month[7] + by_month[8])  # Christmas season beats the summer
    assert Order.objects.values("customer").distinct().count() >= 300
    assert {c.kind for c in Channel.objects.filter(code__in=["web", "marketplace", "phone"])} == {
        "web_shop",
        "marketplace",
        "phone",
    }


def test_orders_are_seeded_after_the_demand_history_so_forecasts_get_two_years():
    from django.core.management import call_command

    from inventory.models import DailyDemand, DemandForecast
    from oms import seeding

    names = [s.name for s in seeding.seeders()]
    assert names.index("demand") < names.index("orders")

    call_command("seed_demo", scale=0.1, stdout=__import__("io").StringIO())

    first = DailyDemand.objects.order_by("date").first()
    assert first is not None and (Order.objects.order_by("-placed_at").first().placed_at.date() - first.date).days > 700
    assert DemandForecast.objects.exists()
