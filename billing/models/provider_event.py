"""Webhook events of payment providers, kept once each: a replayed or repeated delivery of the
same event id finds its row and changes nothing."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ProviderEventOutcome(models.TextChoices):
    BOOKED = "booked", _("Booked")
    HELD = "held", _("Order held")
    IGNORED = "ignored", _("Ignored")


class ProviderEvent(models.Model):
    """One processed event of a provider (``stripe``: ``evt_...``). Written in the transaction
    that books what the event says, so an event is either processed and recorded or neither."""

    provider = models.CharField(_("provider"), max_length=30)
    event_id = models.CharField(_("event id"), max_length=255)
    event_type = models.CharField(_("event type"), max_length=100)
    order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=ProviderEventOutcome.choices)
    detail = models.CharField(_("detail"), max_length=255, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("payment provider event")
        verbose_name_plural = _("payment provider events")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="billing_provider_event_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id} ({self.event_type})"
