"""Tracking events: what a carrier (webhook, CSV upload) or a person said happened to a shipment."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fulfillment.models.shipment import ShipmentState
from oms.choices import choice_label


class TrackingSource(models.TextChoices):
    WEBHOOK = "webhook", _("Carrier webhook")
    CSV = "csv", _("CSV upload")
    MANUAL = "manual", _("Entered by hand")


class ExceptionReason(models.TextChoices):
    CUSTOMS = "customs", _("Customs")
    ADDRESS = "address", _("Address problem")
    DAMAGED = "damaged", _("Damaged")
    NOT_HOME = "not_home", _("Recipient not at home")
    REFUSED = "refused", _("Refused by recipient")
    DELAY = "delay", _("Delay")
    OTHER = "other", _("Other")


# The shipment states a carrier event can report.
TRACKED_STATES = [
    ShipmentState.IN_TRANSIT,
    ShipmentState.OUT_FOR_DELIVERY,
    ShipmentState.DELIVERED,
    ShipmentState.EXCEPTION,
    ShipmentState.RETURNED_TO_SENDER,
]


class TrackingEvent(models.Model):
    """One status report. ``status_code`` is the carrier's own code, ``mapped_state`` the shipment
    state it means (empty: informational only, e.g. "arrived at hub"). A carrier's event id is
    stored once: the same webhook delivered twice is one row."""

    shipment = models.ForeignKey(
        "fulfillment.Shipment", verbose_name=_("shipment"), on_delete=models.CASCADE, related_name="tracking_events"
    )
    carrier = models.ForeignKey(
        "fulfillment.Carrier", verbose_name=_("carrier"), on_delete=models.PROTECT, related_name="tracking_events"
    )
    carrier_event_id = models.CharField(_("carrier event id"), max_length=100, blank=True)
    status_code = models.CharField(_("carrier status code"), max_length=50)
    mapped_state = models.CharField(
        _("shipment state"),
        max_length=20,
        choices=[(state.value, state.label) for state in TRACKED_STATES],
        blank=True,
    )
    exception_reason = models.CharField(
        _("exception reason"), max_length=20, choices=ExceptionReason.choices, blank=True
    )
    description = models.CharField(_("description"), max_length=255, blank=True)
    location = models.CharField(_("location"), max_length=100, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    expected_delivery_date = models.DateField(_("expected delivery date"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=TrackingSource.choices)
    raw_payload = models.JSONField(_("raw payload"), default=dict, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("tracking event")
        verbose_name_plural = _("tracking events")
        ordering = ["shipment", "-occurred_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "carrier_event_id"],
                condition=~Q(carrier_event_id=""),
                name="fulfillment_tracking_carrier_event_uniq",
            ),
            models.CheckConstraint(
                condition=Q(mapped_state="exception") | Q(exception_reason=""),
                name="fulfillment_tracking_reason_only_for_exception",
            ),
        ]
        indexes = [models.Index(fields=["shipment", "-occurred_at"], name="fulfil_track_timeline_idx")]

    def __str__(self) -> str:
        return f"{self.status_code} {self.occurred_at:%Y-%m-%d %H:%M}"

    def get_mapped_state_display(self) -> str:
        return choice_label(ShipmentState, self.mapped_state)
