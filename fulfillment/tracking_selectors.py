"""Reads of tracking and delivery dates: the shipments of an order (its page and the API), the shipments at risk of
missing their promise, and the tracking exceptions support works through."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fulfillment import eta
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
# Why a shipment is at risk (``Risk.code``), as the API names it.
RISK_CODES = ["exception", "not_shipped", "later_than_promised", "overdue"]


@dataclass(frozen=True)
class Risk:
    """Why a shipment will probably miss its promise: a stable ``code`` for the API and the words."""

    code: str  # "exception", "not_shipped", "later_than_promised" or "overdue"
    message: str


@dataclass(frozen=True)
class OrderShipment:
    """One shipment as the order page and the order API show it: carrier, tracking link, state,
    expected delivery and what delays it.

    ``expected_delivery`` is the carrier's estimate once the parcel is labelled (stored on the
    shipment, moved by tracking events), before that the estimate from the promised ship date
    (``estimated`` is then True); None when it cannot be told (no carrier service chosen yet, a
    destination the service does not serve, returned to sender, cancelled)."""

    shipment: Shipment
    tracking_url: str
    expected_delivery: datetime.date | None
    estimated: bool
    risk: Risk | None
    events: list[TrackingEvent] = field(default_factory=list)


def _with_carrier(qs: QuerySet[Shipment]) -> QuerySet[Shipment]:
    return qs.select_related("order", "carrier_service__carrier", "warehouse")


def shipments_for_order(order: Any, *, now: datetime.datetime) -> list[OrderShipment]:
    """Every shipment of ``order`` with its newest tracking events and its expected delivery as
    of ``now`` (three queries, whatever the number of shipments)."""
    shipments = _with_carrier(Shipment.objects.filter(order=order)).prefetch_related(
        Prefetch("tracking_events", queryset=TrackingEvent.objects.order_by("-occurred_at", "-pk"), to_attr="newest"),
        "carrier_service__destinations",
    )
    today = timezone.localdate(now)
    rows = []
    for shipment in shipments.order_by("reference"):
        carrier = shipment.carrier_service.carrier if shipment.carrier_service else None
        expected, estimated = _expected_delivery(shipment, now=now)
        rows.append(
            OrderShipment(
                shipment=shipment,
                tracking_url=carrier.tracking_url(shipment.tracking_number) if carrier else "",
                expected_delivery=expected,
                estimated=estimated,
                risk=risk(shipment, today=today),
                events=shipment.newest[:EVENTS_SHOWN],
            )
        )
    return rows


def _expected_delivery(shipment: Shipment, *, now: datetime.datetime) -> tuple[datetime.date | None, bool]:
    if shipment.state == ShipmentState.DELIVERED and shipment.delivered_at:
        return timezone.localdate(shipment.delivered_at), False
    if shipment.state in (ShipmentState.CANCELLED, ShipmentState.RETURNED_TO_SENDER):
        return None, False
    if shipment.expected_delivery_date is not None:
        return shipment.expected_delivery_date, False
    if shipment.state not in (*WAREHOUSE_STATES, ShipmentState.ON_HOLD):
        return None, False
    estimate = eta.shipment_estimate(shipment, now=now)
    return (estimate.date, True) if estimate else (None, False)


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


def risk(shipment: Shipment, *, today: datetime.date) -> Risk | None:
    """Why ``shipment`` is at risk (None when it is not); the same rule as ``shipments_at_risk``."""
    state = shipment.state
    if state == ShipmentState.EXCEPTION:
        reason = choice_label(ExceptionReason, shipment.exception_reason) if shipment.exception_reason else "?"
        return Risk("exception", str(_("Stuck with the carrier: %(reason)s") % {"reason": reason}))
    if (
        state in (*WAREHOUSE_STATES, ShipmentState.ON_HOLD)
        and shipment.promised_ship_date
        and shipment.promised_ship_date < today
    ):
        return Risk(
            "not_shipped",
            str(_("Not shipped by the promised %(date)s") % {"date": shipment.promised_ship_date.isoformat()}),
        )
    expected, promised = shipment.expected_delivery_date, shipment.promised_delivery_date
    if state in (*CARRIER_STATES, *WAREHOUSE_STATES) and expected and promised and expected > promised:
        return Risk(
            "later_than_promised",
            str(
                _("Expected %(expected)s, promised %(promised)s")
                % {"expected": expected.isoformat(), "promised": promised.isoformat()}
            ),
        )
    if state in CARRIER_STATES and expected and expected < today:
        return Risk("overdue", str(_("Overdue: expected %(date)s") % {"date": expected.isoformat()}))
    return None


def risk_of(shipment: Shipment, *, today: datetime.date) -> str:
    """Why ``shipment`` is at risk, in words ("" when it is not)."""
    found = risk(shipment, today=today)
    return found.message if found else ""


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
