"""Backordered orders, for allocation when stock arrives and for the backorder sweep, and when the
stock of a backordered line is expected (inventory's open purchase orders)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet, Sum

from inventory.selectors import available_by_warehouse, expected_arrivals
from orders.models import Order, OrderLine, OrderState


def backordered_orders_with_products(*, product_ids: Iterable[int]) -> QuerySet[Order]:
    """Backordered orders that contain any of ``product_ids``, oldest first."""
    return (
        Order.objects.filter(state=OrderState.BACKORDERED, lines__product_id__in=list(product_ids))
        .distinct()
        .order_by("placed_at", "pk")
    )


def backorders_with_stock_now(*, limit: int) -> list[int]:
    """Backordered orders whose missing units are all available now (summed over the active
    warehouses), oldest first: what the backorder sweep tries again. Two queries: the open lines
    of backordered orders, then availability of their products."""
    rows = (
        OrderLine.objects.filter(order__state=OrderState.BACKORDERED)
        .annotate(missing=F("quantity") - F("quantity_cancelled") - F("quantity_shipped") - F("quantity_allocated"))
        .filter(missing__gt=0)
        .order_by("order__placed_at", "order_id")
        .values_list("order_id", "product_id", "missing")
    )
    missing: dict[int, dict[int, int]] = {}
    for order_id, product_id, units in rows:
        needs = missing.setdefault(order_id, {})
        needs[product_id] = needs.get(product_id, 0) + units
    product_ids = {product_id for needs in missing.values() for product_id in needs}
    available = {
        product_id: sum(per_warehouse.values())
        for product_id, per_warehouse in available_by_warehouse(product_ids=product_ids).items()
    }
    ready = [
        order_id
        for order_id, needs in missing.items()
        if all(available.get(product_id, 0) >= units for product_id, units in needs.items())
    ]
    return ready[:limit]


@dataclass(frozen=True)
class ExpectedStock:
    """When the missing units of a backordered line are expected: the open purchase order whose
    arrival covers them (after the backorders placed before this one), or none yet."""

    line_id: int
    position: int
    sku: str
    missing: int
    purchase_order: str | None
    expected_date: datetime.date | None


def expected_stock_for_order(*, order: Order, lines: Sequence[OrderLine]) -> list[ExpectedStock]:
    """The backordered lines of ``order`` (its ``lines`` given) with the purchase order expected to
    cover them. Older backorders of the same products are served first, so their units count
    before this order's. Two queries for a backordered order, none for any other."""
    if order.state != OrderState.BACKORDERED:
        return []
    missing_lines = [line for line in lines if line.quantity_to_allocate > 0]
    if not missing_lines:
        return []
    product_ids = {line.product_id for line in missing_lines}
    earlier = (
        OrderLine.objects.filter(order__state=OrderState.BACKORDERED, product_id__in=product_ids)
        .filter(Q(order__placed_at__lt=order.placed_at) | Q(order__placed_at=order.placed_at, order_id__lt=order.pk))
        .annotate(missing=F("quantity") - F("quantity_cancelled") - F("quantity_shipped") - F("quantity_allocated"))
        .filter(missing__gt=0)
        .values("product_id")
        .annotate(units=Sum("missing"))
        .values_list("product_id", "units")
    )
    needs: dict[int, int] = dict(earlier)
    wanted = []
    for line in missing_lines:  # two lines of one product: the second waits for the first
        needs[line.product_id] = needs.get(line.product_id, 0) + line.quantity_to_allocate
        wanted.append((line.pk, line.product_id, needs[line.product_id]))
    covering = expected_arrivals(needs=wanted)
    return [
        ExpectedStock(
            line_id=line.pk,
            position=line.position,
            sku=line.sku,
            missing=line.quantity_to_allocate,
            purchase_order=covering[line.pk].purchase_order if covering[line.pk] else None,
            expected_date=covering[line.pk].expected_date if covering[line.pk] else None,
        )
        for line in missing_lines
    ]
