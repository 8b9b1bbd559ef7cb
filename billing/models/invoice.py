"""Invoices: issued for what shipped (or, per channel, at order confirmation), numbered
``RE-YYYY-NNNNNN``, immutable once issued, their payment state derived from the payments applied.

Lifecycle (``InvoiceState``)::

    draft ─issue─> issued ─┬─> partially_paid ─> paid
                           ├─> overdue (due date passed, something still due)
                           └─> credited (credit notes cover it, nothing paid or due)

After ``issue`` only the payment side changes (``state``, ``amount_paid``, ``amount_credited``,
``amount_due``, ``paid_at``, ``document``, ``mailed_at``, ``updated_at``); a trigger refuses any
other change and any delete (migration ``0002``). The payment state is never set by hand:
``settle`` takes the state that ``payment_state_for`` derives from the amounts.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Round
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition

from billing.exceptions import IssuedDocumentError
from billing.models.base import MONEY, BillingDocument, DocumentLine, VatRow
from oms.choices import choice_label


class InvoiceState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")
    PARTIALLY_PAID = "partially_paid", _("Partially paid")
    PAID = "paid", _("Paid")
    OVERDUE = "overdue", _("Overdue")
    CREDITED = "credited", _("Credited")


S = InvoiceState
# Issued states: the content is fixed, the payment side moves.
ISSUED_STATES = [S.ISSUED, S.PARTIALLY_PAID, S.PAID, S.OVERDUE, S.CREDITED]
# Something may still be due.
OPEN_STATES = [S.ISSUED, S.PARTIALLY_PAID, S.OVERDUE]


class InvoiceTrigger(models.TextChoices):
    SHIPMENT = "shipment", _("Shipment shipped")
    CONFIRMATION = "confirmation", _("Order confirmed")


def payment_state_for(
    *, total: Decimal, paid: Decimal, credited: Decimal, due_date: datetime.date | None, today: datetime.date
) -> str:
    """The payment state an issued invoice with these amounts is in on ``today``."""
    due = total - credited - paid
    if due <= 0:
        return S.PAID if paid > 0 else S.CREDITED
    if due_date is not None and today > due_date:
        return S.OVERDUE
    return S.PARTIALLY_PAID if paid > 0 else S.ISSUED


class Invoice(FSMModelMixin, BillingDocument):
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="invoices"
    )
    customer = models.ForeignKey(
        "orders.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="invoices"
    )
    shipment = models.ForeignKey(
        "fulfillment.Shipment",
        verbose_name=_("shipment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices",
        help_text=_("The shipment invoiced (empty for an invoice issued at order confirmation)."),
    )
    trigger = models.CharField(_("issued on"), max_length=20, choices=InvoiceTrigger.choices)
    is_final = models.BooleanField(
        _("final invoice"), default=False, help_text=_("Invoices the rest of the order (takes any rounding remainder).")
    )
    invoice_date = models.DateField(_("invoice date"))
    delivery_date = models.DateField(_("delivery date"), help_text=_("Date of supply (§14 Abs. 4 Nr. 6 UStG)."))
    payment_method = models.CharField(_("payment method"), max_length=30, blank=True)
    payment_terms_days = models.PositiveIntegerField(_("payment terms (days)"), default=0)
    due_date = models.DateField(_("due date"))

    # The payment side: changes after issue, maintained by billing's services only.
    state = FSMField(_("state"), max_length=20, choices=InvoiceState.choices, default=S.DRAFT, protected=True)
    amount_paid = models.DecimalField(_("paid"), **MONEY)
    amount_credited = models.DecimalField(_("credited"), **MONEY)
    amount_due = models.DecimalField(_("still due"), **MONEY)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    document = models.ForeignKey(
        "oms.Document", verbose_name=_("PDF"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    mailed_at = models.DateTimeField(_("mailed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-invoice_date", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["number"], condition=~Q(number=""), name="billing_invoice_number_uniq"),
            # A shipment is invoiced once.
            models.UniqueConstraint(
                fields=["shipment"], condition=Q(shipment__isnull=False), name="billing_invoice_shipment_uniq"
            ),
            models.CheckConstraint(
                condition=Q(state=S.DRAFT) | ~Q(number=""), name="billing_invoice_issued_has_number"
            ),
            models.CheckConstraint(condition=Q(total__gte=0), name="billing_invoice_total_gte_0"),
            models.CheckConstraint(condition=Q(amount_credited__gte=0), name="billing_invoice_credited_gte_0"),
            models.CheckConstraint(condition=Q(amount_paid__gte=0), name="billing_invoice_paid_gte_0"),
            # Credit notes never exceed the invoice.
            models.CheckConstraint(
                condition=Q(amount_credited__lte=F("total")), name="billing_invoice_credited_lte_total"
            ),
            # Negative while a credit note on a paid invoice waits for its refund. Rounded to the
            # cent: SQLite (the embedded default) subtracts decimals as floating point.
            models.CheckConstraint(
                condition=Q(state=S.DRAFT)
                | Q(amount_due=Round(F("total") - F("amount_credited") - F("amount_paid"), 2)),
                name="billing_invoice_due_is_rest",
            ),
        ]
        indexes = [
            models.Index(fields=["order", "issued_at"], name="billing_invoice_order_idx"),
            models.Index(fields=["state", "due_date"], name="billing_invoice_state_due_idx"),
            models.Index(fields=["customer", "-invoice_date"], name="billing_invoice_customer_idx"),
        ]

    def get_state_display(self) -> str:
        return choice_label(InvoiceState, self.state)

    # -- immutability (the database triggers of migration 0003 are the real guard) ----------------
    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> Invoice:
        instance = super().from_db(db, field_names, values)
        instance._stored_state = instance.__dict__.get("state")
        return instance

    def save(self, *args: Any, **kwargs: Any) -> None:
        fields = kwargs.get("update_fields")
        if getattr(self, "_stored_state", S.DRAFT) != S.DRAFT and (
            fields is None or not set(fields) <= set(INVOICE_MUTABLE_FIELDS)
        ):
            raise IssuedDocumentError(self.number)
        super().save(*args, **kwargs)
        self._stored_state = self.state

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if getattr(self, "_stored_state", S.DRAFT) != S.DRAFT:
            raise IssuedDocumentError(self.number)
        return super().delete(*args, **kwargs)

    save.alters_data = True  # type: ignore[attr-defined]
    delete.alters_data = True  # type: ignore[attr-defined]

    @property
    def is_issued(self) -> bool:
        return self.state in ISSUED_STATES

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    # -- state machine (bodies set fields of this row only) ---------------------------------------
    @transition(field=state, source=S.DRAFT, target=S.ISSUED)
    def issue(self, *, number: str) -> None:
        self.number = number
        self.issued_at = timezone.now()
        self.amount_due = self.total - self.amount_credited - self.amount_paid

    @transition(field=state, source=ISSUED_STATES, target=RETURN_VALUE(*ISSUED_STATES))
    def settle(self, *, today: datetime.date) -> str:
        """Take the payment state the amounts mean on ``today`` (set the amounts first)."""
        self.amount_due = self.total - self.amount_credited - self.amount_paid
        target = payment_state_for(
            total=self.total,
            paid=self.amount_paid,
            credited=self.amount_credited,
            due_date=self.due_date,
            today=today,
        )
        if target == S.PAID and self.paid_at is None:
            self.paid_at = timezone.now()
        elif target != S.PAID:
            self.paid_at = None
        return target


for _transition in (Invoice.issue, Invoice.settle):
    _transition.alters_data = True

# Columns a trigger lets change on an issued invoice (migration 0002 lists the same).
INVOICE_MUTABLE_FIELDS = [
    "state",
    "amount_paid",
    "amount_credited",
    "amount_due",
    "paid_at",
    "document",
    "mailed_at",
    "updated_at",
]


class InvoiceLine(DocumentLine):
    invoice = models.ForeignKey(Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        "orders.OrderLine",
        verbose_name=_("order line"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoice_lines",
    )

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["invoice", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="billing_invline_quantity_gte_1"),
            models.CheckConstraint(
                condition=Q(kind="discount") | Q(line_total__gte=0), name="billing_invline_total_gte_0"
            ),
        ]
        indexes = [models.Index(fields=["order_line"], name="billing_invline_oline_idx")]


class InvoiceVatRow(VatRow):
    invoice = models.ForeignKey(Invoice, verbose_name=_("invoice"), on_delete=models.CASCADE, related_name="vat_rows")

    class Meta:
        verbose_name = _("invoice VAT row")
        verbose_name_plural = _("invoice VAT rows")
        ordering = ["invoice", "-vat_rate"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "vat_rate"], name="billing_invvat_rate_uniq"),
        ]


class InvoicePayment(models.Model):
    """The part of one payment transaction applied to one invoice. Captures apply positive
    amounts (oldest open invoice of the order first), refunds negative ones; the invoice's
    ``amount_paid`` is the sum of its rows. Rows are appended, never edited: a correction is
    another row (``billing.services.settlement`` derives them from the order's transactions).
    ``orders.PaymentTransaction`` (via ``record_payment``) stays the one record of money moved;
    this table only says which invoice it settles."""

    invoice = models.ForeignKey(Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="payments")
    transaction = models.ForeignKey(
        "orders.PaymentTransaction",
        verbose_name=_("payment transaction"),
        on_delete=models.PROTECT,
        related_name="invoice_payments",
    )
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, help_text=_("Negative for a refund."))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("invoice payment")
        verbose_name_plural = _("invoice payments")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="billing_invpay_amount_not_0"),
        ]
        indexes = [models.Index(fields=["transaction"], name="billing_invpay_tx_idx")]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.amount}"
