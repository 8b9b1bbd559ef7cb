"""Records that make order intake safe to repeat: API idempotency keys and webhook deliveries."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdempotencyState(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")


class IdempotencyKey(models.Model):
    """One ``Idempotency-Key`` a channel sent with ``POST /api/v1/orders/``.

    The row is written, completed with the response to replay, in the transaction that creates
    the order; concurrent duplicates are kept out meanwhile by an advisory lock on the key
    (``orders.api.idempotency``). Keys are scoped per channel and kept at least 24 hours
    (``orders.api.idempotency.KEY_RETENTION``). ``state`` is a plain field, not a state machine:
    ``in_progress`` rows are left only by the earlier two-step claim (taken over when abandoned).
    """

    channel = models.ForeignKey("orders.Channel", verbose_name=_("channel"), on_delete=models.CASCADE, related_name="+")
    key = models.CharField(_("key"), max_length=255)
    fingerprint = models.CharField(_("request fingerprint"), max_length=64, help_text=_("SHA-256 of the request body."))
    state = models.CharField(
        _("state"), max_length=20, choices=IdempotencyState.choices, default=IdempotencyState.IN_PROGRESS
    )
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_body = models.JSONField(_("response body"), null=True, blank=True)
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["channel", "key"], name="orders_idempotencykey_channel_key_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.state})"


class WebhookSource(models.TextChoices):
    SHOPIFY = "shopify", "Shopify"
    WOOCOMMERCE = "woocommerce", "WooCommerce"


class WebhookDelivery(models.Model):
    """A webhook delivery that was turned into an order (or found its order already there).

    Stored in the transaction that places the order, so a repeated delivery (same
    ``X-Shopify-Webhook-Id`` / ``X-WC-Webhook-Delivery-ID``) is answered without work, and a
    refused delivery leaves no row.
    """

    channel = models.ForeignKey("orders.Channel", verbose_name=_("channel"), on_delete=models.CASCADE, related_name="+")
    source = models.CharField(_("source"), max_length=20, choices=WebhookSource.choices)
    delivery_id = models.CharField(_("delivery id"), max_length=255)
    topic = models.CharField(_("topic"), max_length=100, blank=True)
    external_id = models.CharField(_("external order id"), max_length=100, blank=True)
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "source", "delivery_id"], name="orders_webhookdelivery_delivery_uniq"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.delivery_id}"
