"""Backordered orders, for allocation when stock arrives and for the backorder sweep."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, QuerySet

from inventory.selectors import available_by_warehouse
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
