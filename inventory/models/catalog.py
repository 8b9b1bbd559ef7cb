"""Master data: categories, products (SKUs), warehouses and their bin locations."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from inventory.error_codes import InventoryErrorCode
from oms.money import VAT_RATES


def gtin_check_digit(body: str) -> int:
    """GS1 check digit for the digits before the last one (weights 3,1,3,... from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def is_valid_gtin(value: str) -> bool:
    """True for a GTIN-8/12/13/14 (EAN/UPC) whose last digit is the right check digit."""
    return value.isdigit() and len(value) in (8, 12, 13, 14) and gtin_check_digit(value[:-1]) == int(value[-1])


def validate_gtin(value: str) -> None:
    if value and not is_valid_gtin(value):
        raise ValidationError(
            _("“%(value)s” is not a valid GTIN/EAN (8, 12, 13 or 14 digits with a correct check digit)."),
            code=InventoryErrorCode.INVALID_GTIN,
            params={"value": value},
        )


sku_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9._/-]*$",
    _("A SKU consists of letters, digits, '.', '_', '/' and '-' and starts with a letter or digit."),
    code=InventoryErrorCode.INVALID_SKU,
)
bin_code_validator = RegexValidator(
    r"^[A-Z0-9]+(-[A-Z0-9]+)*$",
    _("A bin code looks like A-01-03 (capital letters and digits separated by '-')."),
    code=InventoryErrorCode.INVALID_BIN_CODE,
)
country_validator = RegexValidator(r"^[A-Z]{2}$", _("Use the two-letter ISO country code, e.g. DE."))


class VatRate:
    """German VAT classes (``oms.money.VAT_RATES``) as Decimal percentages for ``Product.vat_rate``."""

    STANDARD = VAT_RATES["standard"]
    REDUCED = VAT_RATES["reduced"]
    ZERO = VAT_RATES["zero"]
    choices = [(STANDARD, _("19 % (standard)")), (REDUCED, _("7 % (reduced)")), (ZERO, _("0 % (exempt)"))]
    values = [STANDARD, REDUCED, ZERO]


class Category(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WithdrawalExclusion(models.TextChoices):
    """Why a product is excluded from the consumer's right of withdrawal (§ 312g Abs. 2 BGB).
    Empty: not excluded. ``CONDITIONAL`` reasons apply only once the seal is broken, which only an
    inspection can tell."""

    NONE = "", _("Not excluded")
    MADE_TO_ORDER = "made_to_order", _("Made to the customer's specification (§ 312g Abs. 2 Nr. 1 BGB)")
    PERISHABLE = "perishable", _("Perishable goods (§ 312g Abs. 2 Nr. 2 BGB)")
    SEALED_HYGIENE = "sealed_hygiene", _("Sealed for health or hygiene, once unsealed (§ 312g Abs. 2 Nr. 3 BGB)")
    MIXED = "mixed", _("Inseparably mixed with other goods after delivery (§ 312g Abs. 2 Nr. 4 BGB)")
    ALCOHOL = "alcohol", _("Alcoholic beverages at market-dependent prices (§ 312g Abs. 2 Nr. 5 BGB)")
    SEALED_MEDIA = "sealed_media", _("Sealed audio, video or software, once unsealed (§ 312g Abs. 2 Nr. 6 BGB)")
    PRESS = "press", _("Newspapers and magazines (§ 312g Abs. 2 Nr. 7 BGB)")

    @classmethod
    def conditional(cls) -> frozenset[str]:
        return frozenset({cls.SEALED_HYGIENE, cls.SEALED_MEDIA})


class Product(models.Model):
    """A stock keeping unit. Prices are EUR; ``gross_price`` includes VAT at ``vat_rate``."""

    sku = models.CharField(_("SKU"), max_length=64, unique=True, validators=[sku_validator])
    name = models.CharField(_("name"), max_length=200)
    gtin = models.CharField(
        _("GTIN/EAN"), max_length=14, blank=True, validators=[validate_gtin], help_text=_("Barcode number.")
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, null=True, blank=True, related_name="products"
    )
    weight_grams = models.PositiveIntegerField(_("weight (g)"), default=0)
    length_mm = models.PositiveIntegerField(_("length (mm)"), default=0)
    width_mm = models.PositiveIntegerField(_("width (mm)"), default=0)
    height_mm = models.PositiveIntegerField(_("height (mm)"), default=0)
    net_price = models.DecimalField(
        _("net price"), max_digits=12, decimal_places=2, default=Decimal("0.00"), validators=[MinValueValidator(0)]
    )
    gross_price = models.DecimalField(
        _("gross price"), max_digits=12, decimal_places=2, default=Decimal("0.00"), validators=[MinValueValidator(0)]
    )
    vat_rate = models.DecimalField(
        _("VAT rate (%)"), max_digits=5, decimal_places=2, choices=VatRate.choices, default=VatRate.STANDARD
    )
    default_supplier = models.ForeignKey(
        "inventory.Supplier",
        verbose_name=_("default supplier"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="products",
    )
    active = models.BooleanField(_("active"), default=True)
    is_preorder = models.BooleanField(_("pre-order"), default=False)
    release_date = models.DateField(_("release date"), null=True, blank=True)
    withdrawal_exclusion = models.CharField(
        _("excluded from withdrawal"),
        max_length=20,
        choices=WithdrawalExclusion.choices,
        blank=True,
        default=WithdrawalExclusion.NONE,
        help_text=_("The reason of § 312g Abs. 2 BGB that excludes this product from the right of withdrawal."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["sku"]
        constraints = [
            models.UniqueConstraint(fields=["gtin"], condition=~models.Q(gtin=""), name="inventory_product_gtin_uniq"),
            models.CheckConstraint(condition=models.Q(net_price__gte=0), name="inventory_product_net_price_gte_0"),
            models.CheckConstraint(condition=models.Q(gross_price__gte=0), name="inventory_product_gross_price_gte_0"),
        ]
        indexes = [models.Index(fields=["name"], name="inventory_product_name_idx")]

    def __str__(self) -> str:
        return f"{self.sku} {self.name}"

    def clean(self) -> None:
        if self.is_preorder and not self.release_date:
            raise ValidationError({"release_date": _("A pre-order product needs a release date.")})


class Warehouse(models.Model):
    """A site that holds stock. Lower ``priority`` is preferred when routing orders."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    street = models.CharField(_("street"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = models.CharField(_("country"), max_length=2, validators=[country_validator], default="DE")
    priority = models.PositiveIntegerField(_("priority"), default=100, help_text=_("Lower is preferred."))
    shipping_cutoff = models.TimeField(
        _("shipping cut-off"), default=datetime.time(14, 0), help_text=_("Orders released before it ship today.")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        ordering = ["priority", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class BinLocation(models.Model):
    """A shelf place inside a warehouse (aisle-rack-level, e.g. ``A-01-03``); pickers walk ``pick_sequence``."""

    warehouse = models.ForeignKey(Warehouse, verbose_name=_("warehouse"), on_delete=models.CASCADE, related_name="bins")
    code = models.CharField(_("code"), max_length=30, validators=[bin_code_validator])
    pick_sequence = models.PositiveIntegerField(_("pick sequence"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("bin location")
        verbose_name_plural = _("bin locations")
        ordering = ["warehouse", "pick_sequence", "code"]
        constraints = [models.UniqueConstraint(fields=["warehouse", "code"], name="inventory_bin_warehouse_code_uniq")]

    def __str__(self) -> str:
        return f"{self.warehouse.code}/{self.code}" if self.warehouse_id else self.code
