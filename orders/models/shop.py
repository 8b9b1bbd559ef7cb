"""Shop sync: a channel's connection to its shop's API, the state of the sync, and what failed.

The connector classes that speak each shop's API live in ``orders.shops``; the service that pulls
orders and pushes shipments and stock is ``orders.services.shop_sync``.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ShopKind(models.TextChoices):
    """Which shop's API a connection speaks: the connector class (``orders.shops.CONNECTORS``).
    The values are the channel platforms' (``ChannelPlatform``) of the same shops."""

    WOOCOMMERCE = "woocommerce", "WooCommerce"
    SHOPIFY = "shopify", "Shopify"


class ShopConnection(models.Model):
    """How we reach the shop of ``channel`` (which shop's API: ``kind``), and where the sync stands.

    ``api_key``/``api_secret`` are the shop's API credentials (WooCommerce: consumer key and
    secret; Shopify: the custom app's Admin API access token, no secret). Like a channel's webhook
    secret they are stored in clear, since the shop wants them as they are: keep them out of logs
    and tickets. ``kind`` must agree with the channel's webhook platform when the channel has one
    (a channel without one takes its orders by pull only).

    The state fields are written by the sync only: ``pull_cursor`` is the connector's watermark
    (the last modification time taken in), ``pull_started_at`` the lease of the pull in progress
    (one at a time per shop, renewed after each page), ``failures`` the failed pulls in a row,
    which put ``next_pull_at`` off with the outbox's backoff.
    """

    channel = models.OneToOneField(
        "orders.Channel", verbose_name=_("channel"), on_delete=models.CASCADE, related_name="shop_connection"
    )
    kind = models.CharField(
        _("shop system"),
        max_length=20,
        choices=ShopKind.choices,
        help_text=_("Which shop's API this connection speaks."),
    )
    base_url = models.URLField(
        _("shop URL"),
        help_text=_(
            "The shop's address, e.g. https://shop.example.com (WooCommerce) or "
            "https://example.myshopify.com (Shopify); its API lives below it."
        ),
    )
    api_key = models.CharField(
        _("API key"),
        max_length=255,
        help_text=_("WooCommerce: the consumer key (ck_…). Shopify: the Admin API access token (shpat_…)."),
    )
    api_secret = models.CharField(
        _("API secret"),
        max_length=255,
        blank=True,
        help_text=_("WooCommerce: the consumer secret (cs_…). Shopify: leave empty."),
    )
    shop_location_id = models.CharField(
        _("shop location"),
        max_length=30,
        blank=True,
        validators=[RegexValidator(r"^[0-9]+$", _("Enter the location's number, as the shop shows it."))],
        help_text=_("Shopify: the id of the location whose stock we set. Empty: the shop's only active location."),
    )
    active = models.BooleanField(_("active"), default=True)
    pull_orders = models.BooleanField(_("pull new orders"), default=True)
    push_shipments = models.BooleanField(_("push shipments and status"), default=True)
    push_stock = models.BooleanField(_("push available stock"), default=True)
    pull_since = models.DateTimeField(
        _("pull orders changed since"),
        default=timezone.now,
        help_text=_("Where the first pull starts; later pulls go on from the last order taken in."),
    )
    pull_cursor = models.CharField(_("pull cursor"), max_length=1000, blank=True, editable=False)
    pull_started_at = models.DateTimeField(_("pull running since"), null=True, blank=True, editable=False)
    last_pull_at = models.DateTimeField(_("last pull"), null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(_("last successful pull"), null=True, blank=True, editable=False)
    next_pull_at = models.DateTimeField(_("next pull not before"), null=True, blank=True, editable=False)
    failures = models.PositiveIntegerField(_("failed pulls in a row"), default=0, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    orders_taken_in = models.PositiveIntegerField(_("orders taken in"), default=0, editable=False)
    last_stock_push_at = models.DateTimeField(_("last stock push"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("shop connection")
        verbose_name_plural = _("shop connections")
        ordering = ["channel__name"]

    def __str__(self) -> str:
        return f"{self.channel} ({self.base_url})"

    def clean(self) -> None:
        platform = self.channel.platform if self.channel_id else ""
        if platform and self.kind and platform != self.kind:
            raise ValidationError(
                {
                    "kind": _(
                        "The channel %(channel)s takes webhooks from %(platform)s: its shop connection "
                        "must speak the same shop."
                    )
                    % {"channel": self.channel, "platform": self.channel.get_platform_display()}
                }
            )


class ShopSyncKind(models.TextChoices):
    PULL = "pull", _("Orders pulled")
    SHIPMENT = "shipment", _("Shipment pushed")
    STATUS = "status", _("Status pushed")
    STOCK = "stock", _("Stock pushed")


class ShopSyncOutcome(models.TextChoices):
    OK = "ok", _("OK")
    PARTLY = "partly", _("Partly (see errors)")
    FAILED = "failed", _("Failed")
    RATE_LIMITED = "rate_limited", _("Rate-limited by the shop")


class ShopSyncRun(models.Model):
    """One sync run against a shop: what it did and what went wrong (a pull that found nothing
    new is not recorded; the connection's ``last_pull_at`` says it ran)."""

    connection = models.ForeignKey(
        ShopConnection, verbose_name=_("shop connection"), on_delete=models.CASCADE, related_name="runs"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ShopSyncKind.choices)
    outcome = models.CharField(_("outcome"), max_length=20, choices=ShopSyncOutcome.choices)
    started_at = models.DateTimeField(_("started at"), default=timezone.now, db_index=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    fetched = models.PositiveIntegerField(_("orders read"), default=0)
    created = models.PositiveIntegerField(_("orders taken in"), default=0)
    updated = models.PositiveIntegerField(_("payments recorded"), default=0)
    duplicates = models.PositiveIntegerField(_("already known"), default=0)
    refused = models.PositiveIntegerField(_("refused"), default=0)
    items = models.PositiveIntegerField(_("items pushed"), default=0)
    message = models.TextField(_("message"), blank=True)

    class Meta:
        verbose_name = _("shop sync run")
        verbose_name_plural = _("shop sync runs")
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.started_at:%Y-%m-%d %H:%M} ({self.get_outcome_display()})"


class ShopOrderFailure(models.Model):
    """A shop order that could not be taken in (unknown SKU, totals that do not add up, the shop
    answering with an error): retried by every pull until it is taken in or ``SHOP_ORDER_MAX_ATTEMPTS``
    is reached. Only the shop's order id is kept, no personal data: a retry reads the order afresh."""

    connection = models.ForeignKey(
        ShopConnection, verbose_name=_("shop connection"), on_delete=models.CASCADE, related_name="order_failures"
    )
    external_id = models.CharField(_("shop order id"), max_length=100)
    error = models.TextField(_("error"))
    attempts = models.PositiveIntegerField(_("attempts"), default=1)
    first_failed_at = models.DateTimeField(_("first failed at"), default=timezone.now)
    last_tried_at = models.DateTimeField(_("last tried at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("taken in at"), null=True, blank=True)
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("shop order not taken in")
        verbose_name_plural = _("shop orders not taken in")
        ordering = ["-last_tried_at"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "external_id"], name="orders_shopfailure_connection_id_uniq"),
        ]

    def __str__(self) -> str:
        return self.external_id


class ShopStockMark(models.Model):
    """A product whose available stock changed and is still to be pushed to the connection's shop.

    ``stock.changed`` marks products here (one row per product, however often it changed); the
    minute task takes the marks and enqueues one stock push per shop with them, so a busy hour
    becomes a push a minute, not one per order."""

    connection = models.ForeignKey(ShopConnection, on_delete=models.CASCADE, related_name="+")
    product_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "product_id"], name="orders_shopstockmark_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.connection_id}:{self.product_id}"
