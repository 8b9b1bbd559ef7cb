"""What an order has been charged, refunded, invoiced and credited: derived from append-only rows,
never stored. Higher apps (billing) add their amounts through ``register_money_source``."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from oms.money import ZERO
from orders.models import Order, OrderState, PaymentTransaction, TransactionKind

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


def order_money_summary(order: Order, *, payments: Iterable[PaymentTransaction] | None = None) -> MoneySummary:
    """``payments``: the order's payment rows when the caller has read them already."""
    if payments is None:
        sums = {
            row["kind"]: row["s"]
            for row in PaymentTransaction.objects.filter(order=order).values("kind").annotate(s=Sum("amount"))
        }
    else:
        sums = {}
        for tx in payments:
            sums[tx.kind] = sums.get(tx.kind, ZERO) + tx.amount
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
