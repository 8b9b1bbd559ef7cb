"""Row locks of billing. The order is locked first (``orders.locks.lock_order``), then its
invoices in primary-key order, then number counters: every billing service takes them in this
order, so two of them never deadlock."""

from __future__ import annotations

from django.db.models import QuerySet

from billing.models import Invoice


def invoices_for_update(*, order_id: int) -> QuerySet[Invoice]:
    """The order's issued and draft invoices, locked in pk order (call after locking the order)."""
    return Invoice.objects.select_for_update(of=("self",)).filter(order_id=order_id).order_by("pk")


def invoice_for_update(*, invoice_id: int) -> Invoice:
    return Invoice.objects.select_for_update(of=("self",)).get(pk=invoice_id)
