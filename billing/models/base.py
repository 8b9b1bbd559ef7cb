"""What invoices and credit notes share: buyer and seller as printed, tax treatment and totals.

Everything here is content: once the document is issued, a database trigger (migration
``0002``) refuses to change it. Corrections are credit notes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

MONEY: dict[str, Any] = {"max_digits": 12, "decimal_places": 2, "default": Decimal("0.00")}


class TaxTreatment(models.TextChoices):
    DOMESTIC = "domestic", _("VAT of the seller's country")
    DESTINATION = "destination", _("VAT of the destination country (OSS)")
    REVERSE_CHARGE = "reverse_charge", _("Intra-EU supply, reverse charge")
    EXPORT = "export", _("Export outside the EU")


class LineKind(models.TextChoices):
    PRODUCT = "product", _("Product")
    SHIPPING = "shipping", _("Shipping")
    DISCOUNT = "discount", _("Discount")
    TIP = "tip", _("Tip")
    GIFT_CARD = "gift_card", _("Gift card")
    CORRECTION = "correction", _("Price correction")


class BillingDocument(models.Model):
    """Abstract: the printed content of an invoice or credit note."""

    number = models.CharField(_("number"), max_length=20, blank=True)
    order = models.ForeignKey("orders.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(
        "orders.Customer", verbose_name=_("customer"), on_delete=models.PROTECT, related_name="+"
    )
    language = models.CharField(_("language"), max_length=10, default="de")
    # Buyer as billed (§14 Abs. 4 Nr. 1 UStG) and where the goods went.
    buyer_name = models.CharField(_("buyer name"), max_length=200)
    buyer_company = models.CharField(_("buyer company"), max_length=200, blank=True)
    buyer_street = models.CharField(_("buyer street and number"), max_length=200)
    buyer_line2 = models.CharField(_("buyer address line 2"), max_length=200, blank=True)
    buyer_postcode = models.CharField(_("buyer postcode"), max_length=20)
    buyer_city = models.CharField(_("buyer city"), max_length=100)
    buyer_country = models.CharField(_("buyer country"), max_length=2)
    buyer_vat_id = models.CharField(_("buyer VAT ID"), max_length=30, blank=True)
    buyer_email = models.EmailField(_("buyer e-mail"), max_length=254, blank=True)
    delivery_name = models.CharField(_("delivery name"), max_length=200, blank=True)
    delivery_company = models.CharField(_("delivery company"), max_length=200, blank=True)
    delivery_street = models.CharField(_("delivery street and number"), max_length=200, blank=True)
    delivery_line2 = models.CharField(_("delivery address line 2"), max_length=200, blank=True)
    delivery_postcode = models.CharField(_("delivery postcode"), max_length=20, blank=True)
    delivery_city = models.CharField(_("delivery city"), max_length=100, blank=True)
    delivery_country = models.CharField(_("delivery country"), max_length=2, blank=True)
    # The seller as printed (snapshot of ``SellerProfile``: company, address, VAT ID, tax number, bank).
    seller = models.JSONField(_("seller"), default=dict)
    tax_treatment = models.CharField(
        _("tax treatment"), max_length=20, choices=TaxTreatment.choices, default=TaxTreatment.DOMESTIC
    )
    vat_country = models.CharField(_("VAT country"), max_length=2, help_text=_("Whose VAT is charged."))
    legal_note = models.TextField(_("legal note"), blank=True, help_text=_("Reverse-charge or export note."))

    currency = models.CharField(_("currency"), max_length=3)
    price_mode = models.CharField(_("price mode"), max_length=5)
    subtotal = models.DecimalField(_("subtotal"), **MONEY, help_text=_("Sum of product lines, in the price mode."))
    shipping_total = models.DecimalField(_("shipping"), **MONEY)
    discount_total = models.DecimalField(_("discount"), **MONEY)
    net_total = models.DecimalField(_("net total"), **MONEY)
    vat_total = models.DecimalField(_("VAT"), **MONEY)
    total = models.DecimalField(_("total"), **MONEY, help_text=_("Gross, what the customer pays."))

    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.number or str(_("draft"))

    def buyer_address_lines(self) -> list[str]:
        return [
            ln
            for ln in (
                self.buyer_company,
                self.buyer_name,
                self.buyer_street,
                self.buyer_line2,
                f"{self.buyer_postcode} {self.buyer_city}".strip(),
                self.buyer_country,
            )
            if ln
        ]

    def delivery_address_lines(self) -> list[str]:
        return [
            ln
            for ln in (
                self.delivery_company,
                self.delivery_name,
                self.delivery_street,
                self.delivery_line2,
                f"{self.delivery_postcode} {self.delivery_city}".strip(),
                self.delivery_country,
            )
            if ln
        ]


class DocumentLine(models.Model):
    """Abstract: one printed line. ``line_total`` is in the document's price mode (gross or net);
    ``net`` and ``vat`` are this line's share of its rate's row in the VAT breakdown (what an
    accounting export or an e-invoice needs per line)."""

    position = models.PositiveIntegerField(_("position"), default=1)
    kind = models.CharField(_("kind"), max_length=20, choices=LineKind.choices, default=LineKind.PRODUCT)
    sku = models.CharField(_("SKU"), max_length=64, blank=True)
    name = models.CharField(_("name"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    discount = models.DecimalField(_("discount"), **MONEY)
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=5, decimal_places=2)
    line_total = models.DecimalField(
        _("line total"), max_digits=12, decimal_places=2, help_text=_("Negative for a discount line.")
    )

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku or self.name}"


class VatRow(models.Model):
    """Abstract: one row of the VAT breakdown (§14 Abs. 4 Nr. 8 UStG): net, rate, VAT, gross."""

    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=5, decimal_places=2)
    net = models.DecimalField(_("net"), max_digits=12, decimal_places=2)
    vat = models.DecimalField(_("VAT"), max_digits=12, decimal_places=2)
    gross = models.DecimalField(_("gross"), max_digits=12, decimal_places=2)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.vat_rate} %: {self.vat}"
