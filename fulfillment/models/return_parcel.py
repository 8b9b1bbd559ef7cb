"""Return parcels: what a customer sends back to a warehouse on a return label we booked.

Fulfillment books and tracks them like outgoing shipments, but knows nothing of return requests:
``reference`` is the caller's opaque key (``returns`` passes the RMA number) and events tell the
caller what happened (``return_label.booked``, ``return_parcel.moved``).

Lifecycle (``ReturnParcelState``)::

    requested ─label─> labelled ─> in_transit, out_for_delivery, delivered, exception (tracking)
    requested / labelled ─cancel─> cancelled

``delivered`` means delivered to the warehouse. Transitions only set fields of this row;
``fulfillment.services.return_labels`` locks it, calls them, saves and writes the order's
timeline.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from fulfillment.models.tracking import ExceptionReason, TrackingSource
from oms.choices import choice_label


class ReturnParcelState(models.TextChoices):
    REQUESTED = "requested", _("Label requested")
    LABELLED = "labelled", _("Label ready")
    IN_TRANSIT = "in_transit", _("In transit")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    DELIVERED = "delivered", _("Delivered to the warehouse")
    EXCEPTION = "exception", _("Exception")
    CANCELLED = "cancelled", _("Cancelled")


P = ReturnParcelState
# States a carrier event can move a return parcel between.
RETURN_CARRIER_STATES = [P.LABELLED, P.IN_TRANSIT, P.OUT_FOR_DELIVERY, P.EXCEPTION]
# The parcel states each reported (shipment) state means; "returned to sender" (back at the
# customer's) is a problem for a return parcel.
REPORTED_STATES = {
    "in_transit": P.IN_TRANSIT,
    "out_for_delivery": P.OUT_FOR_DELIVERY,
    "delivered": P.DELIVERED,
    "exception": P.EXCEPTION,
    "returned_to_sender": P.EXCEPTION,
}


class ReturnParcel(ConcurrentTransitionMixin, models.Model):
    reference = models.CharField(_("reference"), max_length=40, unique=True, help_text=_("e.g. the RMA number."))
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="return_parcels"
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse", verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    carrier_service = models.ForeignKey(
        "fulfillment.CarrierService", verbose_name=_("carrier service"), on_delete=models.PROTECT, related_name="+"
    )
    state = FSMField(_("state"), max_length=20, choices=ReturnParcelState.choices, default=P.REQUESTED, protected=True)
    weight_grams = models.PositiveIntegerField(_("weight (g)"), default=0)
    tracking_number = models.CharField(_("tracking number"), max_length=60, blank=True)
    routing_code = models.CharField(_("routing code"), max_length=60, blank=True)
    label_document = models.ForeignKey(
        "oms.Document", verbose_name=_("label"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    label_error = models.CharField(_("label error"), max_length=255, blank=True)
    exception_reason = models.CharField(
        _("exception reason"), max_length=20, choices=ExceptionReason.choices, blank=True
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    labelled_at = models.DateTimeField(_("labelled at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("return parcel")
        verbose_name_plural = _("return parcels")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["tracking_number"], condition=~Q(tracking_number=""), name="fulfillment_return_tracking_uniq"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["requested", "cancelled"]) | ~Q(tracking_number=""),
                name="fulfillment_return_labelled_has_number",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_state_display(self) -> str:
        return choice_label(ReturnParcelState, self.state)

    @property
    def tracking_url(self) -> str:
        """The carrier's tracking link for the return label's number ("" before it is booked)."""
        return self.carrier_service.carrier.tracking_url(self.tracking_number) if self.tracking_number else ""

    @property
    def label_ready(self) -> bool:
        document = self.label_document
        return document is not None and document.status == "ready"

    @transition(field=state, source=P.REQUESTED, target=P.LABELLED)
    def label(self, *, tracking_number: str, routing_code: str = "") -> None:
        self.tracking_number = tracking_number
        self.routing_code = routing_code
        self.label_error = ""
        self.labelled_at = timezone.now()

    @transition(field=state, source=RETURN_CARRIER_STATES, target=P.IN_TRANSIT)
    def move_in_transit(self) -> None:
        self.exception_reason = ""

    @transition(field=state, source=RETURN_CARRIER_STATES, target=P.OUT_FOR_DELIVERY)
    def send_out_for_delivery(self) -> None:
        self.exception_reason = ""

    @transition(field=state, source=RETURN_CARRIER_STATES, target=P.DELIVERED)
    def deliver(self) -> None:
        self.delivered_at = timezone.now()
        self.exception_reason = ""

    @transition(field=state, source=RETURN_CARRIER_STATES, target=P.EXCEPTION)
    def report_exception(self, reason: str = "") -> None:
        self.exception_reason = reason

    @transition(field=state, source=[P.REQUESTED, P.LABELLED], target=P.CANCELLED)
    def cancel(self) -> None:
        pass

    label.alters_data = True  # type: ignore[attr-defined]
    move_in_transit.alters_data = True  # type: ignore[attr-defined]
    send_out_for_delivery.alters_data = True  # type: ignore[attr-defined]
    deliver.alters_data = True  # type: ignore[attr-defined]
    report_exception.alters_data = True  # type: ignore[attr-defined]
    cancel.alters_data = True  # type: ignore[attr-defined]


class ReturnParcelEvent(models.Model):
    """One carrier report about a return parcel, stored once (the carrier's event id, or the
    same code at the same time), like ``TrackingEvent`` for shipments."""

    parcel = models.ForeignKey(
        ReturnParcel, verbose_name=_("return parcel"), on_delete=models.CASCADE, related_name="events"
    )
    carrier = models.ForeignKey(
        "fulfillment.Carrier", verbose_name=_("carrier"), on_delete=models.PROTECT, related_name="+"
    )
    carrier_event_id = models.CharField(_("carrier event id"), max_length=100, blank=True)
    status_code = models.CharField(_("carrier status code"), max_length=50)
    mapped_state = models.CharField(_("parcel state"), max_length=20, choices=ReturnParcelState.choices, blank=True)
    exception_reason = models.CharField(
        _("exception reason"), max_length=20, choices=ExceptionReason.choices, blank=True
    )
    description = models.CharField(_("description"), max_length=255, blank=True)
    location = models.CharField(_("location"), max_length=100, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
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
        verbose_name = _("return parcel event")
        verbose_name_plural = _("return parcel events")
        ordering = ["parcel", "-occurred_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "carrier_event_id"],
                condition=~Q(carrier_event_id=""),
                name="fulfillment_return_event_carrier_uniq",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.status_code} {self.occurred_at:%Y-%m-%d %H:%M}"

    def get_mapped_state_display(self) -> str:
        return choice_label(ReturnParcelState, self.mapped_state)
