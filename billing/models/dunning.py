"""Dunning (Mahnwesen): the reminders sent for an overdue invoice, one per level, and the pauses
support puts on an invoice's dunning (a customer disputes it, a payment plan is agreed).

Levels (``DunningLevel``): a friendly payment reminder (Zahlungserinnerung), then the first and
the second dunning notice (1. and 2. Mahnung). When each is due and what fee it charges are
settings (``BILLING_DUNNING_LEVELS``). A level is sent once per invoice (a unique constraint), so
a sweep that runs twice sends nothing twice.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from billing.models.base import MONEY
from oms.choices import choice_label


class DunningLevel(models.IntegerChoices):
    REMINDER = 1, _("Payment reminder")
    FIRST_NOTICE = 2, _("First dunning notice")
    SECOND_NOTICE = 3, _("Second dunning notice")


class DunningNotice(models.Model):
    """One reminder sent for one invoice: what was open then, the fee it charged, and the new
    deadline it set. Appended, never changed (the PDF and the mail are linked once)."""

    invoice = models.ForeignKey(
        "billing.Invoice", verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="dunning_notices"
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=DunningLevel.choices)
    notice_date = models.DateField(_("date of the reminder"))
    pay_by = models.DateField(_("pay by"), help_text=_("The new deadline the reminder sets."))
    open_amount = models.DecimalField(_("open amount"), **MONEY, help_text=_("Still due on the invoice then."))
    fee = models.DecimalField(_("fee"), **MONEY, help_text=_("The fee of this level."))
    fees_total = models.DecimalField(_("fees so far"), **MONEY, help_text=_("Fees of this and earlier levels."))
    currency = models.CharField(_("currency"), max_length=3)
    document = models.ForeignKey(
        "oms.Document", verbose_name=_("PDF"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    mail = models.ForeignKey(
        "oms.CustomerMail", verbose_name=_("mail"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("payment reminder")
        verbose_name_plural = _("payment reminders")
        ordering = ["invoice", "level"]
        constraints = [
            # Each level once per invoice: running the sweep twice sends nothing twice.
            models.UniqueConstraint(fields=["invoice", "level"], name="billing_dunning_invoice_level_uniq"),
            models.CheckConstraint(condition=Q(fee__gte=0), name="billing_dunning_fee_gte_0"),
            models.CheckConstraint(condition=Q(open_amount__gt=0), name="billing_dunning_open_gt_0"),
        ]
        indexes = [models.Index(fields=["notice_date"], name="billing_dunning_date_idx")]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.get_level_display()}"

    def get_level_display(self) -> str:
        return choice_label(DunningLevel, self.level)

    @property
    def total_claimed(self) -> Decimal:
        """What the reminder asks for: the open amount and the fees so far."""
        return self.open_amount + self.fees_total


class DunningPause(models.Model):
    """Dunning of an invoice stopped by support, with the reason, until it is resumed."""

    invoice = models.ForeignKey(
        "billing.Invoice", verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="dunning_pauses"
    )
    reason = models.CharField(_("reason"), max_length=255)
    paused_at = models.DateTimeField(_("paused at"), default=timezone.now)
    paused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("paused by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resumed_at = models.DateTimeField(_("resumed at"), null=True, blank=True)
    resumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resumed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("dunning pause")
        verbose_name_plural = _("dunning pauses")
        ordering = ["invoice", "-paused_at"]
        constraints = [
            # One pause in force per invoice at a time.
            models.UniqueConstraint(
                fields=["invoice"], condition=Q(resumed_at__isnull=True), name="billing_dunning_one_pause"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id}: {self.reason}"
