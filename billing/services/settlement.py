"""Settlement: which invoice the order's payments pay, and the invoices' payment state.

Money moves only through ``orders.services.payments.record_payment`` (``PaymentTransaction``);
this module derives from those rows which invoice each one settles (``InvoicePayment``) and the
invoices' ``amount_paid``/``amount_due``/state:

- a capture's unapplied amount goes to the oldest invoice with something due first;
- a refund's unapplied amount is taken back from invoices paid beyond what they still ask
  (a credit note on a paid invoice), then from the newest paid invoice;
- a capture left over (paid before any invoice, or more than invoiced) waits unapplied and is
  applied to the next invoice issued.

``settle_order`` is idempotent (it applies only what is not applied yet) and is called by the
issuing and crediting services, after ``record_payment`` by billing's payment services in the
same transaction, by a subscriber to ``order.payment_recorded`` / ``order.payment_refunded``
for payments recorded elsewhere, and by the nightly overdue sweep.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from billing import locks as billing_locks
from billing.models import ISSUED_STATES, Invoice, InvoicePayment, InvoiceState
from oms.money import ZERO
from orders import locks
from orders.models import PaymentTransaction, TransactionKind


def _unapplied(order_id: int) -> list[tuple[PaymentTransaction, Decimal]]:
    """Captures and refunds of the order with the part not yet applied to an invoice, oldest first."""
    applied = {
        row["transaction"]: row["s"]
        for row in InvoicePayment.objects.filter(invoice__order_id=order_id)
        .order_by()
        .values("transaction")
        .annotate(s=Sum("amount"))
    }
    rest = []
    for tx in PaymentTransaction.objects.filter(
        order_id=order_id, kind__in=[TransactionKind.CAPTURE, TransactionKind.REFUND]
    ).order_by("created_at", "pk"):
        signed = tx.amount if tx.kind == TransactionKind.CAPTURE else -tx.amount
        left = signed - applied.get(tx.pk, ZERO)
        if left:
            rest.append((tx, left))
    return rest


def _apply(invoice: Invoice, tx: PaymentTransaction, amount: Decimal) -> None:
    InvoicePayment.objects.create(invoice=invoice, transaction=tx, amount=amount)
    invoice.amount_paid += amount
    invoice.amount_due = invoice.total - invoice.amount_credited - invoice.amount_paid


def settle_locked_order(*, order_id: int, today: datetime.date | None = None) -> list[Invoice]:
    """Apply the order's unapplied payments to its invoices and move each invoice to the payment
    state its amounts mean. Precondition: the order row is locked. Returns the issued invoices."""
    today = today or timezone.localdate()
    invoices = [inv for inv in billing_locks.invoices_for_update(order_id=order_id) if inv.state in ISSUED_STATES]
    before = {inv.pk: (inv.state, inv.amount_paid, inv.amount_due, inv.paid_at) for inv in invoices}
    if invoices:
        for tx, left in _unapplied(order_id):
            if left > 0:
                for invoice in sorted(invoices, key=lambda i: (i.issued_at, i.pk)):
                    if left <= 0:
                        break
                    part = min(left, invoice.amount_due)
                    if part > 0:
                        _apply(invoice, tx, part)
                        left -= part
            else:
                owed = -left
                # Overpaid invoices (credited after payment) first, then the newest paid ones.
                for invoice in sorted(invoices, key=lambda i: (i.amount_due >= 0, -i.pk)):
                    if owed <= 0:
                        break
                    part = min(owed, invoice.amount_paid)
                    if part > 0:
                        _apply(invoice, tx, -part)
                        owed -= part
    now = timezone.now()
    for invoice in invoices:
        invoice.settle(today=today)
        if (invoice.state, invoice.amount_paid, invoice.amount_due, invoice.paid_at) != before[invoice.pk]:
            invoice.updated_at = now
            invoice.save(update_fields=["state", "amount_paid", "amount_due", "paid_at", "updated_at"])
    return invoices


def settle_order(*, order_id: int, today: datetime.date | None = None) -> list[Invoice]:
    """``settle_locked_order`` with its own lock; inside a transaction it joins it."""
    if connection.in_atomic_block:
        locks.lock_order(order_id=order_id)
        return settle_locked_order(order_id=order_id, today=today)
    with transaction.atomic():
        locks.lock_order(order_id=order_id)
        return settle_locked_order(order_id=order_id, today=today)


def mark_overdue_invoices(*, today: datetime.date | None = None) -> int:
    """Settle every open invoice whose due date has passed (it becomes overdue unless paid)."""
    today = today or timezone.localdate()
    order_ids = (
        Invoice.objects.filter(state__in=[InvoiceState.ISSUED, InvoiceState.PARTIALLY_PAID], due_date__lt=today)
        .order_by("order_id")
        .values_list("order_id", flat=True)
        .distinct()
    )
    changed = 0
    for order_id in list(order_ids):
        for invoice in settle_order(order_id=order_id, today=today):
            changed += invoice.state == InvoiceState.OVERDUE
    return changed
