"""Seller data printed on every invoice (§14 Abs. 4 Nr. 1 and 2 UStG) and billing settings.

One row (``pk=1``), edited in the admin; its defaults come from ``settings.BILLING_SELLER`` so a
fresh installation prints something sensible. Each invoice keeps a snapshot of what it printed.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class SellerProfile(models.Model):
    company = models.CharField(_("company"), max_length=200)
    street = models.CharField(_("street and number"), max_length=200)
    postcode = models.CharField(_("postcode"), max_length=20)
    city = models.CharField(_("city"), max_length=100)
    country = models.CharField(_("country"), max_length=2, default="DE")
    vat_id = models.CharField(_("VAT ID"), max_length=30, blank=True, help_text=_("USt-IdNr., e.g. DE123456789."))
    tax_number = models.CharField(_("tax number"), max_length=30, blank=True, help_text=_("Steuernummer."))
    register = models.CharField(_("commercial register"), max_length=200, blank=True)
    managing_directors = models.CharField(_("managing directors"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    website = models.CharField(_("website"), max_length=200, blank=True)
    bank_name = models.CharField(_("bank"), max_length=100, blank=True)
    iban = models.CharField(_("IBAN"), max_length=34, blank=True)
    bic = models.CharField(_("BIC"), max_length=11, blank=True)
    payment_terms_days = models.PositiveIntegerField(
        _("payment terms (days)"), default=14, help_text=_("Days from the invoice date to the due date.")
    )
    oss_threshold = models.DecimalField(
        _("OSS threshold"),
        max_digits=12,
        decimal_places=2,
        default=Decimal("10000.00"),
        help_text=_(
            "Net EU cross-border consumer sales per calendar year above which the destination "
            "country's VAT is charged (One-Stop-Shop)."
        ),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("seller profile")
        verbose_name_plural = _("seller profile")

    def __str__(self) -> str:
        return self.company


class IssueOn(models.TextChoices):
    SHIPMENT = "shipment", _("When a shipment ships")
    CONFIRMATION = "confirmation", _("When the order is confirmed")


class ChannelBilling(models.Model):
    """Billing settings of a sales channel; a channel without a row invoices on shipment."""

    channel = models.OneToOneField(
        "orders.Channel", verbose_name=_("channel"), on_delete=models.CASCADE, related_name="billing"
    )
    issue_on = models.CharField(_("issue invoices"), max_length=20, choices=IssueOn.choices, default=IssueOn.SHIPMENT)
    payment_terms_days = models.PositiveIntegerField(
        _("payment terms (days)"), null=True, blank=True, help_text=_("Empty: the seller profile's terms.")
    )

    class Meta:
        verbose_name = _("channel billing settings")
        verbose_name_plural = _("channel billing settings")

    def __str__(self) -> str:
        return str(self.channel)
