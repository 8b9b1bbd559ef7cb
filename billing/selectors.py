"""Billing's read side: what the order page and the order's money summary read."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import OuterRef, Subquery, Sum

from billing.models import ISSUED_STATES, CreditNote, DunningPause, Invoice
from billing.receivables_selectors import with_dunning
from oms.money import ZERO


def invoiced_and_credited(order_ids: list[int]) -> dict[int, dict[str, Decimal]]:
    """``orders.selectors.register_money_source``: issued invoices and credit notes per order
    (two queries, whatever the number of orders)."""
    out: dict[int, dict[str, Decimal]] = defaultdict(lambda: {"invoiced": ZERO, "credited": ZERO})
    for row in (
        Invoice.objects.filter(order_id__in=order_ids, state__in=ISSUED_STATES)
        .order_by()
        .values("order_id")
        .annotate(s=Sum("total"))
    ):
        out[row["order_id"]]["invoiced"] = row["s"]
    for row in (
        CreditNote.objects.filter(order_id__in=order_ids, issued_at__isnull=False)
        .order_by()
        .values("order_id")
        .annotate(s=Sum("total"))
    ):
        out[row["order_id"]]["credited"] = row["s"]
    return dict(out)


def order_billing_documents(*, order_id: int) -> dict[str, Any]:
    """The order's invoices (with their dunning) and credit notes, newest last, with their PDFs
    (two queries)."""
    pause = DunningPause.objects.filter(invoice=OuterRef("pk"), resumed_at__isnull=True).values("reason")[:1]
    invoices = list(
        with_dunning(Invoice.objects.filter(order_id=order_id, state__in=ISSUED_STATES))
        .annotate(dunning_pause_reason=Subquery(pause))
        .select_related("document")
        .order_by("issued_at", "pk")
    )
    notes = list(
        CreditNote.objects.filter(order_id=order_id, issued_at__isnull=False)
        .select_related("document", "invoice")
        .order_by("issued_at", "pk")
    )
    return {"invoices": invoices, "credit_notes": notes}
