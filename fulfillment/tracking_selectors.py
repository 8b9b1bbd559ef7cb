"""Reads of tracking and delivery dates: the delivery panel of an order, the shipments at risk of
missing their promise, and the tracking exceptions support works through."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from fulfillment.models import (
    CARRIER_STATES,
    WAREHOUSE_STATES,
    ExceptionReason,
    Shipment,
    ShipmentState,
    TrackingEvent,
)
from oms.choices import choice_label

EVENTS_SHOWN = 5


@dataclass(frozen=True)
class ShipmentDelivery:
    """One shipment as the order page shows its delivery: carrier, tracking link, expected date."""

    shipment: Shipment
    tracking_url: str
    events: list[TrackingEvent] = field(default_factory=list)
    risk: str = ""


def _with_carrier(qs: QuerySet[Shipment]) -> QuerySet[Shipment]:
    return qs.select_related("order", "carrier_service__carrier", "warehouse")


def deliveries_for_order(order: Any, *, today: datetime.date) -> list[ShipmentDelivery]:
    """Every shipment of ``order`` with its newest tracking events (two queries)."""
    shipments = _with_carrier(Shipment.objects.filter(order=order)).prefetch_related(
        Prefetch("tracking_events", queryset=TrackingEvent.objects.order_by("-occurred_at", "-pk"), to_attr="newest")
    )
    rows = []
    for shipment in shipments.order_by("reference"):
        carrier = shipment.carrier_service.carrier if shipment.carrier_service else None
        rows.append(
            ShipmentDelivery(
                shipment=shipment,
                tracking_url=carrier.tracking_url(shipment.tracking_number) if carrier else "",
                events=shipment.newest[:EVENTS_SHOWN],
                risk=risk_of(shipment, today=today),
            )
        )
    return rows


def _at_risk(today: datetime.date) -> Q:
    late_in_warehouse = Q(state__in=[*WAREHOUSE_STATES, ShipmentState.ON_HOLD], promised_ship_date__lt=today)
    later_than_promised = Q(
        state__in=[*CARRIER_STATES, *WAREHOUSE_STATES],
        promised_delivery_date__isnull=False,
        expected_delivery_date__gt=F("promised_delivery_date"),
    )
    overdue = Q(state__in=CARRIER_STATES, expected_delivery_date__lt=today)
    return late_in_warehouse | later_than_promised | overdue | Q(state=ShipmentState.EXCEPTION)


def shipments_at_risk(*, today: datetime.date, warehouse_id: int | None = None) -> QuerySet[Shipment]:
    """Shipments that will probably miss their promise: still in the warehouse after their promised
    ship date, expected after the promised delivery date, overdue with the carrier, or stuck in an
    exception. Oldest promise first."""
    qs = _with_carrier(Shipment.objects.filter(_at_risk(today)))
    if warehouse_id is not None:
        qs = qs.filter(warehouse_id=warehouse_id)
    return qs.order_by(F("promised_ship_date").asc(nulls_last=True), "pk")


def risk_of(shipment: Shipment, *, today: datetime.date) -> str:
    """Why ``shipment`` is at risk, in words ("" when it is not); the same rule as ``shipments_at_risk``."""
    state = shipment.state
    if state == ShipmentState.EXCEPTION:
        reason = choice_label(ExceptionReason, shipment.exception_reason) if shipment.exception_reason else "?"
        return str(_("Stuck with the carrier: %(reason)s") % {"reason": reason})
    if (
        state in (*WAREHOUSE_STATES, ShipmentState.ON_HOLD)
        and shipment.promised_ship_date
        and shipment.promised_ship_date < today
    ):
        return str(_("Not shipped by the promised %(date)s") % {"date": shipment.promised_ship_date.isoformat()})
    expected, promised = shipment.expected_delivery_date, shipment.promised_delivery_date
    if state in (*CARRIER_STATES, *WAREHOUSE_STATES) and expected and promised and expected > promised:
        return str(
            _("Expected %(expected)s, promised %(promised)s")
            % {"expected": expected.isoformat(), "promised": promised.isoformat()}
        )
    if state in CARRIER_STATES and expected and expected < today:
        return str(_("Overdue: expected %(date)s") % {"date": expected.isoformat()})
    return ""


def tracking_exceptions() -> QuerySet[Shipment]:
    """The support queue: parcels stuck with the carrier or on their way back, oldest first, with
    the event that put them there."""
    return (
        _with_carrier(Shipment.objects.filter(state__in=[ShipmentState.EXCEPTION, ShipmentState.RETURNED_TO_SENDER]))
        .prefetch_related(
            Prefetch(
                "tracking_events",
                queryset=TrackingEvent.objects.exclude(mapped_state="").order_by("-occurred_at", "-pk"),
                to_attr="newest",
            )
        )
        .order_by("updated_at", "pk")
    )


def shipment_for_support_or_404(reference: str) -> Shipment:
    return get_object_or_404(_with_carrier(Shipment.objects.all()), reference=reference)
