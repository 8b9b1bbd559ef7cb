"""Sales channels: where orders come from (web shop, marketplace, phone, point of sale, API)."""

from __future__ import annotations

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


def default_terms_methods() -> list[str]:
    return ["invoice", "cash_on_delivery"]


class ChannelKind(models.TextChoices):
    WEB_SHOP = "web_shop", _("Web shop")
    MARKETPLACE = "marketplace", _("Marketplace")
    PHONE = "phone", _("Phone")
    POS = "pos", _("Point of sale")
    API = "api", _("API")


class ChannelPlatform(models.TextChoices):
    """Which inbound webhook format the channel speaks (empty: none, orders come by API/CSV/hand)."""

    NONE = "", _("None")
    SHOPIFY = "shopify", "Shopify"
    WOOCOMMERCE = "woocommerce", "WooCommerce"


class Channel(models.Model):
    """A sales channel. API keys for it live in ``oms.ApiKey`` (hashed, ``channel_code``).

    ``webhook_secret`` is the shared secret Shopify/WooCommerce sign their webhooks with. It is
    stored in plain text because verifying an HMAC needs the secret itself (a hash would not do);
    protect it with database access control and keep it out of logs and API output.
    """

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=ChannelKind.choices, default=ChannelKind.WEB_SHOP)
    platform = models.CharField(_("webhook platform"), max_length=20, choices=ChannelPlatform.choices, blank=True)
    webhook_secret = models.CharField(_("webhook secret"), max_length=255, blank=True)
    allows_split_shipments = models.BooleanField(
        _("allows split shipments"), default=True, help_text=_("Ship from several warehouses when no single one can.")
    )
    payment_terms_methods = models.JSONField(
        _("payment methods with terms"),
        default=default_terms_methods,
        blank=True,
        help_text=_("Orders paid with these methods are confirmed without captured payment."),
    )
    default_currency = models.CharField(
        _("default currency"), max_length=3, default="EUR", validators=[RegexValidator(r"^[A-Z]{3}$")]
    )
    shop_sent_mails = models.JSONField(
        _("mails the shop sends itself"),
        default=list,
        blank=True,
        help_text=_(
            "Kinds of customer mail (e.g. order_confirmation) this channel's shop already sends; we send none of them."
        ),
    )
    return_window_days = models.PositiveSmallIntegerField(
        _("return window (days)"),
        default=14,
        validators=[MinValueValidator(14)],
        help_text=_(
            "Days from the delivery of the order's last shipment in which customers may withdraw or return; "
            "at least the statutory 14 days (§ 356 BGB)."
        ),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("sales channel")
        verbose_name_plural = _("sales channels")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def sends_own_mail(self, kind: str) -> bool:
        """True when the shop sends mails of ``kind`` to its customers itself (we stay silent)."""
        return kind in (self.shop_sent_mails or [])

    def has_terms(self, payment_method: str) -> bool:
        return payment_method in (self.payment_terms_methods or [])
