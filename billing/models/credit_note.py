"""Credit notes (Rechnungskorrektur): full or partial corrections of one issued invoice, numbered
``GS-YYYY-NNNNNN``, for cancellations after invoicing, accepted returns and price corrections.
Never larger than what is left of the invoice; immutable once issued, like invoices."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from billing.exceptions import IssuedDocumentError
from billing.models.base import BillingDocument, DocumentLine, VatRow
from oms.choices import choice_label


class CreditNoteReason(models.TextChoices):
    CANCELLATION = "cancellation", _("Cancellation after invoicing")
    RETURN = "return", _("Return")
    PRICE_CORRECTION = "price_correction", _("Price correction")
    GOODWILL = "goodwill", _("Goodwill")
    OTHER = "other", _("Other")


class CreditNote(BillingDocument):
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="credit_notes"
    )
    customer = models.ForeignKey(
        "orders.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="credit_notes"
    )
    invoice = models.ForeignKey(
        "billing.Invoice", verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="credit_notes"
    )
    reason = models.CharField(_("reason"), max_length=20, choices=CreditNoteReason.choices)
    reason_text = models.CharField(_("reason text"), max_length=255, blank=True)
    credit_date = models.DateField(_("credit note date"))
    # What caused it, e.g. ``return:12`` or ``cancellation:<event>``: the same cause never credits twice.
    source = models.CharField(_("source"), max_length=100, blank=True)
    document = models.ForeignKey(
        "oms.Document", verbose_name=_("PDF"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    mailed_at = models.DateTimeField(_("mailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("credit note")
        verbose_name_plural = _("credit notes")
        ordering = ["-credit_date", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["number"], condition=~Q(number=""), name="billing_creditnote_number_uniq"),
            models.UniqueConstraint(fields=["source"], condition=~Q(source=""), name="billing_creditnote_source_uniq"),
            models.CheckConstraint(condition=Q(total__gt=0), name="billing_creditnote_total_gt_0"),
        ]
        indexes = [
            models.Index(fields=["order", "issued_at"], name="billing_creditnote_order_idx"),
            models.Index(fields=["invoice"], name="billing_creditnote_invoice_idx"),
        ]

    def get_reason_display(self) -> str:
        return choice_label(CreditNoteReason, self.reason)

    # -- immutability (the database triggers of migration 0003 are the real guard) ----------------
    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> CreditNote:
        instance = super().from_db(db, field_names, values)
        instance._stored_issued = instance.__dict__.get("issued_at") is not None
        return instance

    def save(self, *args: Any, **kwargs: Any) -> None:
        fields = kwargs.get("update_fields")
        if getattr(self, "_stored_issued", False) and (
            fields is None or not set(fields) <= set(CREDIT_NOTE_MUTABLE_FIELDS)
        ):
            raise IssuedDocumentError(self.number)
        super().save(*args, **kwargs)
        self._stored_issued = self.issued_at is not None

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        if getattr(self, "_stored_issued", False):
            raise IssuedDocumentError(self.number)
        return super().delete(*args, **kwargs)

    save.alters_data = True  # type: ignore[attr-defined]
    delete.alters_data = True  # type: ignore[attr-defined]


# Columns a trigger lets change on a credit note (migration 0002 lists the same).
CREDIT_NOTE_MUTABLE_FIELDS = ["document", "mailed_at"]


class CreditNoteLine(DocumentLine):
    credit_note = models.ForeignKey(
        CreditNote, verbose_name=_("credit note"), on_delete=models.CASCADE, related_name="lines"
    )
    invoice_line = models.ForeignKey(
        "billing.InvoiceLine",
        verbose_name=_("invoice line"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_lines",
    )

    class Meta:
        verbose_name = _("credit note line")
        verbose_name_plural = _("credit note lines")
        ordering = ["credit_note", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="billing_cnline_quantity_gte_1"),
        ]
        indexes = [models.Index(fields=["invoice_line"], name="billing_cnline_invline_idx")]


class CreditNoteVatRow(VatRow):
    credit_note = models.ForeignKey(
        CreditNote, verbose_name=_("credit note"), on_delete=models.CASCADE, related_name="vat_rows"
    )

    class Meta:
        verbose_name = _("credit note VAT row")
        verbose_name_plural = _("credit note VAT rows")
        ordering = ["credit_note", "-vat_rate"]
        constraints = [
            models.UniqueConstraint(fields=["credit_note", "vat_rate"], name="billing_cnvat_rate_uniq"),
        ]
