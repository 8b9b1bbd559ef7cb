"""Reads of the orders app that the API, pages and other apps use."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Prefetch, QuerySet, Sum
from django.utils.translation import gettext as _

from inventory.selectors import available_by_warehouse
from oms.exceptions import NotFoundError
from oms.money import ZERO
from orders.models import Order, OrderLine, OrderState, PaymentTransaction, TransactionKind


def orders_for_api(
    *,
    channel_code: str | None = None,
    state: str | Iterable[str] | None = None,
    updated_since: datetime.datetime | None = None,
) -> QuerySet[Order]:
    """Orders for ``GET /api/v1/orders/``, ordered by ``(updated_at, id)`` for cursor pages, with
    channel, customer and lines loaded (3 queries per page whatever its size)."""
    qs = Order.objects.select_related("channel", "customer").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("position", "pk"))
    )
    if channel_code:
        qs = qs.filter(channel__code=channel_code)
    if state:
        qs = qs.filter(state=state) if isinstance(state, str) else qs.filter(state__in=list(state))
    if updated_since is not None:
        qs = qs.filter(updated_at__gte=updated_since)
    return qs.order_by("updated_at", "id")


def order_by_number(number: str, *, channel_code: str | None = None) -> Order:
    """The order with ``number`` (of ``channel_code`` when given: a channel sees only its own
    orders), lines loaded. Raises ``NotFoundError`` the same way for missing and foreign orders."""
    qs = Order.objects.select_related("channel", "customer").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("position", "pk"))
    )
    if channel_code:
        qs = qs.filter(channel__code=channel_code)
    order = qs.filter(number=(number or "").strip()[:20]).first()
    if order is None:
        raise NotFoundError(_("No order with the number “%(number)s”.") % {"number": (number or "")[:20]})
    return order


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


# --- money -----------------------------------------------------------------------------------

# Higher apps (billing) add what they know: a function {order_id: {"invoiced": D, "credited": D}}.
MoneySource = Callable[[list[int]], dict[int, dict[str, Decimal]]]
_money_sources: list[MoneySource] = []


def register_money_source(source: MoneySource) -> None:
    """Called by ``billing`` in ``AppConfig.ready()`` so the summary shows invoices and credit notes."""
    if source not in _money_sources:
        _money_sources.append(source)


@dataclass(frozen=True)
class MoneySummary:
    """Derived from append-only rows, never stored: ``owed`` is what the customer still has to
    pay (negative: we owe them, e.g. a refund due)."""

    currency: str
    total: Decimal
    charged: Decimal
    refunded: Decimal
    invoiced: Decimal
    credited: Decimal

    @property
    def paid(self) -> Decimal:
        return self.charged - self.refunded

    @property
    def owed(self) -> Decimal:
        return self.due - self.paid

    @property
    def due(self) -> Decimal:
        """What the customer must pay in the end: invoiced minus credited once invoices exist,
        else the order total (nothing for a cancelled order)."""
        if self.invoiced:
            return self.invoiced - self.credited
        return self.total


def order_money_summary(order: Order) -> MoneySummary:
    sums = {
        row["kind"]: row["s"]
        for row in PaymentTransaction.objects.filter(order=order).values("kind").annotate(s=Sum("amount"))
    }
    invoiced = credited = ZERO
    for source in _money_sources:
        extra = source([order.pk]).get(order.pk, {})
        invoiced += extra.get("invoiced", ZERO)
        credited += extra.get("credited", ZERO)
    cancelled = order.state == OrderState.CANCELLED
    return MoneySummary(
        currency=order.currency,
        total=ZERO if cancelled else order.total,
        charged=sums.get(TransactionKind.CAPTURE, ZERO),
        refunded=sums.get(TransactionKind.REFUND, ZERO),
        invoiced=invoiced,
        credited=credited,
    )
