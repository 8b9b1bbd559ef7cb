"""Which structured e-invoice (EN 16931) a business customer gets with its invoices and credit
notes: a customer's own setting, else its channel's default for business customers (a buyer with
a company name or a VAT ID); consumers get the PDF. Also the buyer reference (BT-10) a buyer
asks for, such as a public buyer's Leitweg-ID for XRechnung."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EInvoiceFormat(models.TextChoices):
    PDF = "pdf", _("PDF only")
    ZUGFERD = "zugferd", _("ZUGFeRD / Factur-X (PDF with embedded XML)")
    XRECHNUNG_UBL = "xrechnung_ubl", _("XRechnung (UBL XML) with the PDF")
    XRECHNUNG_CII = "xrechnung_cii", _("XRechnung (CII XML) with the PDF")


class ChannelEInvoicing(models.Model):
    """A channel's default e-invoice for business customers; without a row they get ZUGFeRD."""

    channel = models.OneToOneField(
        "orders.Channel", verbose_name=_("channel"), on_delete=models.CASCADE, related_name="einvoicing"
    )
    b2b_format = models.CharField(
        _("e-invoice for business customers"),
        max_length=20,
        choices=EInvoiceFormat.choices,
        default=EInvoiceFormat.ZUGFERD,
        help_text=_("What customers with a company name or VAT ID get, unless their own setting says otherwise."),
    )

    class Meta:
        verbose_name = _("channel e-invoicing")
        verbose_name_plural = _("channel e-invoicing")

    def __str__(self) -> str:
        return str(self.channel)


class CustomerEInvoicing(models.Model):
    customer = models.OneToOneField(
        "orders.Customer", verbose_name=_("customer"), on_delete=models.CASCADE, related_name="einvoicing"
    )
    format = models.CharField(
        _("e-invoice"),
        max_length=20,
        choices=EInvoiceFormat.choices,
        blank=True,
        help_text=_("Empty: the channel's default for business customers."),
    )
    buyer_reference = models.CharField(
        _("buyer reference"),
        max_length=100,
        blank=True,
        help_text=_(
            "Leitweg-ID of a public buyer, or the reference the buyer asks for (BT-10). Empty: the order number."
        ),
    )

    class Meta:
        verbose_name = _("customer e-invoicing")
        verbose_name_plural = _("customer e-invoicing")

    def __str__(self) -> str:
        return str(self.customer)
