"""The order timeline (every transition, allocation, routing decision, edit, note, mail, payment)
and internal notes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oms.choices import choice_label
from orders.models.order import OrderState


class EventKind(models.TextChoices):
    PLACED = "placed", _("Placed")
    TRANSITION = "transition", _("State changed")
    ROUTING = "routing", _("Routing decision")
    ALLOCATION = "allocation", _("Allocated")
    BACKORDER = "backorder", _("Backordered")
    RELEASE = "release", _("Stock released")
    EDIT = "edit", _("Edited")
    CANCELLATION = "cancellation", _("Cancelled")
    NOTE = "note", _("Note")
    MAIL = "mail", _("E-mail")
    PAYMENT = "payment", _("Payment")
    SHIPMENT = "shipment", _("Shipment")
    INVOICE = "invoice", _("Invoice")
    RETURN = "return", _("Return")
    OTHER = "other", _("Other")


class OrderEvent(models.Model):
    """One entry of the timeline. Append-only. ``kind`` is free text so higher apps may add their
    own kinds; the ones ``orders`` writes are ``EventKind``."""

    order = models.ForeignKey("orders.Order", verbose_name=_("order"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=30, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(
        _("actor"), max_length=100, default="system", help_text=_('"system", "api:<channel>"')
    )
    from_state = models.CharField(_("from state"), max_length=20, blank=True)
    to_state = models.CharField(_("to state"), max_length=20, blank=True)
    message = models.TextField(_("message"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["order", "created_at"], name="orders_event_order_idx")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.message[:60]}"

    def get_kind_display(self) -> str:
        return choice_label(EventKind, self.kind)

    @property
    def actor_display(self) -> str:
        """Who acted, as a reader names them: the person's name for staff, else what kind of
        source it was (``api:webshop`` → "API (webshop)", ``system:seed`` → "automatic"), never
        the stored ``role:username`` label. Reads ``actor``: select it with the events."""
        if self.actor_id and self.actor is not None:
            return self.actor.get_full_name() or self.actor.get_username()
        kind, _sep, who = self.actor_label.partition(":")
        source = ACTOR_SOURCES.get(kind)
        if source is None:
            return self.actor_label  # free text, e.g. "CSV import"
        if kind in ("system", "fulfillment") or not who:
            return str(source)
        return f"{source} ({who})"

    @property
    def from_state_label(self) -> str:
        """The state before, as the UI names it (the stored code when it is not an order state)."""
        return _state_label(self.from_state)

    @property
    def to_state_label(self) -> str:
        return _state_label(self.to_state)


# The kinds of ``actor_label`` ("<kind>:<who>") the services write, as the timeline names them.
ACTOR_SOURCES = {
    "system": _("automatic"),
    "fulfillment": _("automatic"),
    "api": _("API"),
    "webhook": _("shop"),
    "tracking": _("carrier tracking"),
    "support": _("support"),
}


def _state_label(code: str) -> str:
    return choice_label(OrderState, code)


class Note(models.Model):
    """An internal note on an order (never shown to the customer)."""

    order = models.ForeignKey("orders.Order", verbose_name=_("order"), on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    author_label = models.CharField(_("author"), max_length=100, blank=True)
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["order", "-created_at"], name="orders_note_order_idx")]

    def __str__(self) -> str:
        return self.text[:60]
