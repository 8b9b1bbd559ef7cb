"""Tracking events: what carriers (webhooks, CSV uploads) and people report about parcels, kept
once each, and what they do to the shipment, its expected delivery date and its order.

``record_tracking_updates`` is the one write path; the webhook, the CSV upload and the form for
entering an event by hand all end here. For each update:

1. The shipment is found by its tracking number (the shipment's or one of its packages'), of
   the carrier that reports it; a return label's number finds its return parcel instead, which
   the same events move (``fulfillment.services.return_labels``). An unknown number is reported
   back and nothing is stored for it.
2. A repeat is recognised and counted once: by the carrier's event id, or, without one, by the
   same code at the same time for the same shipment (a CSV uploaded twice).
3. The event is stored. Its state moves the shipment (in transit, out for delivery, delivered,
   exception with its reason, returned to sender), unless an event that happened later was
   already applied (carriers deliver out of order) or the move does not exist from where the
   shipment is (a delivered parcel stays delivered): the event is kept and changes nothing.
4. The expected delivery date follows the event (``fulfillment.eta.after_event``).
5. When every shipment of a shipped order is delivered, the order is delivered
   (``orders.services.lifecycle.deliver_order``). The order is *completed* later, by
   ``complete_delivered_orders`` once the return window has passed (README, "Fulfilment").

Locks: the order, then its shipment or return parcel, as every service that touches both; a
batch takes its orders in primary-key order, whether a shipment's or a return parcel's number
named them.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed

from fulfillment import eta
from fulfillment.carriers.base import TrackingUpdate
from fulfillment.carriers.numbers import normalise
from fulfillment.exceptions import TrackingError
from fulfillment.models import (
    TRACKED_STATES,
    Carrier,
    ExceptionReason,
    Package,
    ReturnParcel,
    Shipment,
    ShipmentState,
    TrackingEvent,
    TrackingSource,
)
from fulfillment.regions import region_of
from fulfillment.services.return_labels import apply_return_parcel_updates, return_parcels_by_tracking_number
from oms import events
from oms.texts import text
from orders import locks
from orders.models import EventKind, Order, OrderState
from orders.services import timeline
from orders.services.lifecycle import deliver_order

logger = logging.getLogger(__name__)

# The shipment transition each reported state calls.
TRANSITIONS = {
    ShipmentState.IN_TRANSIT: "move_in_transit",
    ShipmentState.OUT_FOR_DELIVERY: "send_out_for_delivery",
    ShipmentState.DELIVERED: "deliver",
    ShipmentState.EXCEPTION: "report_exception",
    ShipmentState.RETURNED_TO_SENDER: "return_to_sender",
}


@dataclass
class TrackingResult:
    """What a batch of updates did: events stored, repeats recognised, numbers nobody knows,
    and the shipments whose state moved."""

    recorded: int = 0
    duplicates: int = 0
    unknown: list[str] = field(default_factory=list)
    moved: list[int] = field(default_factory=list)
    events: list[TrackingEvent] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"recorded": self.recorded, "duplicates": self.duplicates, "unknown": self.unknown}


def shipments_by_tracking_number(numbers: Iterable[str], *, carrier: Carrier | None = None) -> dict[str, int]:
    """{tracking number: shipment id} for the numbers that are a shipment's or a package's."""
    wanted = {normalise(n) for n in numbers if n}
    if not wanted:
        return {}
    shipments = Shipment.objects.filter(tracking_number__in=wanted)
    packages = Package.objects.filter(tracking_number__in=wanted)
    if carrier is not None:
        shipments = shipments.filter(carrier_service__carrier=carrier)
        packages = packages.filter(shipment__carrier_service__carrier=carrier)
    found = dict(shipments.values_list("tracking_number", "pk"))
    for number, shipment_id in packages.values_list("tracking_number", "shipment_id"):
        found.setdefault(number, shipment_id)
    return found


@transaction.atomic
def record_tracking_updates(
    *,
    updates: Sequence[TrackingUpdate],
    source: str,
    carrier: Carrier | None = None,
    user: Any = None,
    raw: dict[str, Any] | None = None,
) -> TrackingResult:
    """Record ``updates`` (steps in the module docstring) in one transaction.

    ``carrier``: the reporting carrier (webhooks); None finds each shipment by number alone (CSV,
    by hand). ``raw``: the payload to keep with each event, for support."""
    result = TrackingResult()
    found = shipments_by_tracking_number([u.tracking_number for u in updates], carrier=carrier)
    returns_found = return_parcels_by_tracking_number(
        [normalise(u.tracking_number) for u in updates if normalise(u.tracking_number) not in found], carrier=carrier
    )
    by_shipment: dict[int, list[TrackingUpdate]] = {}
    by_return_parcel: dict[int, list[TrackingUpdate]] = {}
    for update in updates:
        number = normalise(update.tracking_number)
        shipment_id = found.get(number)
        if shipment_id is None and number in returns_found:
            by_return_parcel.setdefault(returns_found[number], []).append(update)
            continue
        if shipment_id is None:
            if update.tracking_number not in result.unknown:
                result.unknown.append(update.tracking_number)
            continue
        by_shipment.setdefault(shipment_id, []).append(update)
    order_ids = dict(Shipment.objects.filter(pk__in=list(by_shipment)).values_list("pk", "order_id"))
    parcel_orders = dict(ReturnParcel.objects.filter(pk__in=list(by_return_parcel)).values_list("pk", "order_id"))
    # Orders in primary-key order, shipments and return parcels alike (then each order's
    # shipments before its return parcels): two batches never wait for each other in a circle.
    work = [(order_ids[pk], 0, pk) for pk in by_shipment] + [(parcel_orders[pk], 1, pk) for pk in by_return_parcel]
    for _order_id, is_return_parcel, pk in sorted(work):
        if not is_return_parcel:
            _record_for_shipment(pk, by_shipment[pk], source=source, user=user, raw=raw, result=result)
            continue
        # Return labels' numbers move their return parcels (``fulfillment.services.return_labels``).
        recorded, duplicates, _stored = apply_return_parcel_updates(
            pk, by_return_parcel[pk], source=source, user=user, raw=raw
        )
        result.recorded += recorded
        result.duplicates += duplicates
    return result


def _record_for_shipment(
    shipment_id: int,
    updates: list[TrackingUpdate],
    *,
    source: str,
    user: Any,
    raw: dict[str, Any] | None,
    result: TrackingResult,
) -> None:
    order_id = Shipment.objects.values_list("order_id", flat=True).get(pk=shipment_id)
    order = locks.lock_order(order_id=order_id)
    shipment = (
        Shipment.objects.select_for_update(of=("self",))
        .select_related("carrier_service__carrier", "warehouse")
        .get(pk=shipment_id)
    )
    latest = (
        TrackingEvent.objects.filter(shipment=shipment)
        .exclude(mapped_state="")
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    moved = False
    for update in sorted(updates, key=lambda u: u.occurred_at):
        event = _store(shipment, update, source=source, user=user, raw=raw)
        if event is None:
            result.duplicates += 1
            continue
        result.recorded += 1
        result.events.append(event)
        if event.mapped_state and (latest is None or event.occurred_at >= latest):
            latest = event.occurred_at
            moved |= _apply(shipment, event, order=order, user=user)
        _update_estimate(shipment, event)
    shipment.updated_at = timezone.now()
    shipment.save(update_fields=["expected_delivery_date", "updated_at"])
    if moved:
        result.moved.append(shipment.pk)
        _deliver_order_when_complete(order, user=user)


def _store(
    shipment: Shipment, update: TrackingUpdate, *, source: str, user: Any, raw: dict[str, Any] | None
) -> TrackingEvent | None:
    """The new event row, or None when it is a repeat."""
    carrier = shipment.carrier_service.carrier
    duplicate = TrackingEvent.objects.filter(shipment=shipment)
    if update.event_id:
        duplicate = TrackingEvent.objects.filter(carrier=carrier, carrier_event_id=update.event_id)
    else:
        duplicate = duplicate.filter(status_code=update.status_code, occurred_at=update.occurred_at)
    if duplicate.exists():
        return None
    state = update.state if update.state in TRACKED_STATES else ""
    try:
        # A savepoint: the same event id racing in from a second delivery hits the unique constraint.
        with transaction.atomic():
            return TrackingEvent.objects.create(
                shipment=shipment,
                carrier=carrier,
                carrier_event_id=update.event_id,
                status_code=update.status_code[:50],
                mapped_state=state,
                exception_reason=(update.exception_reason or ExceptionReason.OTHER)
                if state == ShipmentState.EXCEPTION
                else "",
                description=update.description[:255],
                location=update.location[:100],
                occurred_at=update.occurred_at,
                expected_delivery_date=update.estimated_delivery,
                source=source,
                raw_payload=raw or {},
                recorded_by=user if getattr(user, "is_authenticated", False) else None,
            )
    except IntegrityError:
        return None


def _apply(shipment: Shipment, event: TrackingEvent, *, order: Order, user: Any) -> bool:
    """Move the shipment as the event says; False when it stays where it is."""
    name = TRANSITIONS.get(event.mapped_state)
    if name is None or (shipment.state == event.mapped_state and event.mapped_state != ShipmentState.EXCEPTION):
        return False
    transition = getattr(shipment, name)
    if not can_proceed(transition):
        logger.info("Tracking event %s leaves shipment %s %s", event.pk, shipment.pk, shipment.state)
        return False
    from_state = shipment.state
    if name == "report_exception":
        # The reason's code (``ExceptionReason``): pages show it in their reader's language.
        transition(event.exception_reason)
    else:
        transition()
    fields = ["state", "exception_reason"]
    if event.mapped_state == ShipmentState.DELIVERED:
        # When it happened, not when we heard of it.
        shipment.delivered_at = event.occurred_at
        fields.append("delivered_at")
    shipment.save(update_fields=fields)
    _record_on_timeline(order, shipment, event, from_state=from_state, user=user)
    payload = {"shipment_id": shipment.pk, "order_id": order.pk, "state": shipment.state, "tracking_event_id": event.pk}
    if event.mapped_state == ShipmentState.DELIVERED:
        events.publish("shipment.delivered", payload)
    elif event.mapped_state == ShipmentState.EXCEPTION:
        events.publish("shipment.exception_reported", {**payload, "reason": event.exception_reason})
    elif event.mapped_state == ShipmentState.RETURNED_TO_SENDER:
        events.publish("shipment.returned_to_sender", payload)
    elif event.mapped_state == ShipmentState.OUT_FOR_DELIVERY:
        events.publish("shipment.out_for_delivery", payload)
    return True


def _record_on_timeline(order: Order, shipment: Shipment, event: TrackingEvent, *, from_state: str, user: Any) -> None:
    if event.mapped_state == ShipmentState.EXCEPTION:
        message = text(
            gettext_lazy("Shipment %(reference)s: exception (%(reason)s). %(description)s"),
            reference=shipment.reference,
            reason=event.get_exception_reason_display(),
            description=event.description,
        )
    else:
        message = text(
            gettext_lazy("Shipment %(reference)s: %(state)s. %(description)s"),
            reference=shipment.reference,
            state=ShipmentState(event.mapped_state).label,
            description=event.description,
        )
    timeline.record_event(
        order,
        EventKind.SHIPMENT,
        message,
        actor_label=f"tracking:{event.source}",
        user=user,
        data={"shipment_id": shipment.pk, "tracking_event_id": event.pk, "from": from_state, "to": shipment.state},
    )


def _update_estimate(shipment: Shipment, event: TrackingEvent) -> None:
    service = shipment.carrier_service
    destination = region_of(country=shipment.order.shipping_country, postcode=shipment.order.shipping_postcode)
    if event.mapped_state == ShipmentState.DELIVERED:
        shipment.expected_delivery_date = timezone.localdate(event.occurred_at)
        return
    if not event.mapped_state and event.expected_delivery_date is None:
        return
    shipment.expected_delivery_date = eta.after_event(
        shipment.expected_delivery_date,
        status=event.mapped_state or ShipmentState.IN_TRANSIT,
        on=timezone.localdate(event.occurred_at),
        delivery_weekdays=service.delivery_weekdays if service else eta.WEEKDAYS,
        destination=destination,
        carrier_estimate=event.expected_delivery_date,
    )


def _deliver_order_when_complete(order: Order, *, user: Any) -> None:
    """Deliver the order once everything it shipped has arrived (nothing is left to ship)."""
    if order.state != OrderState.SHIPPED:
        return
    shipments = Shipment.objects.filter(order=order).exclude(state=ShipmentState.CANCELLED)
    if shipments.exists() and not shipments.exclude(state=ShipmentState.DELIVERED).exists():
        deliver_order(order=order, actor_label="tracking", user=user)


# -- by hand --------------------------------------------------------------------------------------


def record_tracking_event_by_hand(
    *,
    shipment: Shipment,
    state: str,
    occurred_at: datetime.datetime,
    reason: str = "",
    description: str = "",
    location: str = "",
    user: Any = None,
) -> TrackingResult:
    """An event a person read off the carrier's portal or heard on the phone."""
    if state not in TRACKED_STATES:
        raise TrackingError(_("Choose what happened to the parcel."), data={"field": "state"})
    if state == ShipmentState.EXCEPTION and reason not in ExceptionReason.values:
        raise TrackingError(_("An exception needs its reason."), data={"field": "reason"})
    if not shipment.tracking_number:
        raise TrackingError(_("The shipment has no tracking number yet."), data={"field": "state"})
    if occurred_at > timezone.now() + datetime.timedelta(minutes=15):
        raise TrackingError(_("The event cannot lie in the future."), data={"field": "occurred_at"})
    update = TrackingUpdate(
        tracking_number=shipment.tracking_number,
        status_code=state,
        state=state,
        occurred_at=occurred_at,
        exception_reason=reason if state == ShipmentState.EXCEPTION else "",
        description=description,
        location=location,
    )
    return record_tracking_updates(updates=[update], source=TrackingSource.MANUAL, user=user)
