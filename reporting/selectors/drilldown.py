"""The orders behind a number of the dashboard (the drill-down list, built on ``oms.lists``)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from inventory.models import Warehouse
from orders.models import OPEN_STATES, Channel, Order, OrderLine, OrderState
from reporting.forms import AGE_BOUNDS
from reporting.models import OrderFact, ReturnFact, StateSpan
from reporting.selectors.returns import NOT_RETURNS


def orders_for_report(
    *,
    measure: str = "",
    channel: str = "",
    warehouse: str = "",
    country: str = "",
    state: str = "",
    age: str = "",
    sku: str = "",
    reason: str = "",
) -> QuerySet:
    """Every order of the measure and filters (unordered; the list applies the placed range)."""
    facts = OrderFact.objects.all()
    if channel:
        facts = facts.filter(channel_id__in=Channel.objects.filter(code=channel).values("pk"))
    if warehouse:
        facts = facts.filter(warehouse_id__in=Warehouse.objects.filter(code=warehouse).values("pk"))
    if country:
        facts = facts.filter(country=country)
    if measure == "orders":
        facts = facts.filter(cancelled=False)
    elif measure == "cancelled":
        facts = facts.filter(cancelled=True)
    elif measure == "shipped":
        facts = facts.filter(cancelled=False, shipped_at__isnull=False)
    elif measure == "late":
        facts = facts.filter(cancelled=False, shipped_on_time=False)
    elif measure == "after_cutoff":
        facts = facts.filter(cancelled=False, shipped_before_cutoff=False)
    elif measure == "short":
        facts = facts.filter(short_units__gt=0)
    elif measure == "rated":
        facts = facts.filter(rating__isnull=False)
    elif measure == "low_rated":
        facts = facts.filter(rating__lte=2)
    if measure == "returned" or reason:
        returns = ReturnFact.objects.exclude(state__in=NOT_RETURNS)
        if reason:
            returns = returns.filter(reason=reason)
        facts = facts.filter(order_id__in=returns.values("order_id"))
    qs = Order.objects.filter(pk__in=facts.values("order_id"))
    today = timezone.localdate()
    if measure in ("at_risk", "overdue"):
        qs = qs.filter(state__in=OPEN_STATES).exclude(state=OrderState.PARTIALLY_SHIPPED)
        qs = (
            qs.filter(promised_ship_date__lt=today)
            if measure == "overdue"
            else qs.filter(promised_ship_date__lte=today)
        )
    if measure == "backlog":
        qs = qs.filter(state__in=OPEN_STATES)
        if age in AGE_BOUNDS:
            now = timezone.now()
            low, high = AGE_BOUNDS[age]
            spans = StateSpan.objects.filter(left_at__isnull=True)
            if state:
                spans = spans.filter(state=state)
            if low is not None:
                spans = spans.filter(entered_at__lte=now - low)
            if high is not None:
                spans = spans.filter(entered_at__gt=now - high)
            qs = qs.filter(pk__in=spans.values("order_id"))
    if state:
        qs = qs.filter(state=state)
    if sku:
        lines = OrderLine.objects.filter(sku=sku)
        if measure == "returned":
            lines = lines.filter(quantity_returned__gt=0)
        qs = qs.filter(pk__in=lines.values("order_id"))
    return qs
