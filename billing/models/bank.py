"""Bank statements (CAMT.053 or a bank's CSV export) and their lines, matched to orders and invoices.

A statement is imported once (``fingerprint``: the account and the statement's own id, or the
file's SHA-256 when it has none) and each line once per account (``line_key``: the bank's
reference or a hash of the line), so re-importing a statement, or one that overlaps the last,
books nothing twice. A credit that names an invoice or order (or matches one by amount) books a
capture through ``record_payment``; the others wait on the bank screen for support.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StatementFormat(models.TextChoices):
    CAMT053 = "camt053", "CAMT.053"
    CSV = "csv", "CSV"


class BankStatement(models.Model):
    fingerprint = models.CharField(_("fingerprint"), max_length=120, unique=True)
    format = models.CharField(_("format"), max_length=10, choices=StatementFormat.choices)
    account_iban = models.CharField(_("account IBAN"), max_length=34, blank=True)
    statement_id = models.CharField(_("statement id"), max_length=100, blank=True)
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)

    class Meta:
        verbose_name = _("bank statement")
        verbose_name_plural = _("bank statements")
        ordering = ["-imported_at", "-pk"]

    def __str__(self) -> str:
        return self.statement_id or self.filename or self.fingerprint


class BankLineState(models.TextChoices):
    MATCHED = "matched", _("Matched")
    UNMATCHED = "unmatched", _("Unmatched")
    RESOLVED = "resolved", _("Assigned by hand")
    IGNORED = "ignored", _("Ignored")
    DEBIT = "debit", _("Debit (not matched)")


class BankStatementLine(models.Model):
    statement = models.ForeignKey(
        BankStatement, verbose_name=_("statement"), on_delete=models.CASCADE, related_name="lines"
    )
    account_iban = models.CharField(_("account IBAN"), max_length=34, blank=True)
    line_key = models.CharField(_("line key"), max_length=120)
    booking_date = models.DateField(_("booking date"))
    value_date = models.DateField(_("value date"), null=True, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2, help_text=_("Negative for a debit."))
    currency = models.CharField(_("currency"), max_length=3)
    counterparty_name = models.CharField(_("counterparty"), max_length=140, blank=True)
    counterparty_iban = models.CharField(_("counterparty IBAN"), max_length=34, blank=True)
    remittance = models.TextField(_("remittance information"), blank=True)
    end_to_end_id = models.CharField(_("end-to-end id"), max_length=100, blank=True)
    state = models.CharField(_("state"), max_length=20, choices=BankLineState.choices)
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    invoice = models.ForeignKey(
        "billing.Invoice", verbose_name=_("invoice"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    transaction = models.ForeignKey(
        "orders.PaymentTransaction",
        verbose_name=_("payment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    match_detail = models.CharField(_("how it was matched"), max_length=255, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution_note = models.CharField(_("resolution note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("bank statement line")
        verbose_name_plural = _("bank statement lines")
        ordering = ["booking_date", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["account_iban", "line_key"], name="billing_bank_line_uniq"),
        ]
        indexes = [models.Index(fields=["state", "booking_date"], name="billing_bank_line_state_idx")]

    def __str__(self) -> str:
        return f"{self.booking_date} {self.amount} {self.currency}"
