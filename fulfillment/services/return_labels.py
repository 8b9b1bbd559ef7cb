"""Return labels: a parcel the customer sends back, booked with the carrier that delivered the
order, rendered as an A6 PDF and tracked like an outgoing shipment.

The same three steps as ``fulfillment.services.labels``, each committed before the next:

1. ``request_return_label(order=..., reference=...)`` — inside the caller's transaction (returns
   approving a return): writes the ``ReturnParcel`` (requested) and enqueues the booking through
   the outbox (kind ``return-label``, on the documents queue). Nothing leaves the process
   before commit. Returns None when no carrier of the order's shipments books return labels.
2. ``book_return_label(parcel_id)`` — the outbox handler: locks the order, then the parcel, asks
   the carrier integration (``create_return_label``, idempotent per parcel), stores the number
   (unique), requests the PDF from ``oms.documents``, writes the order's timeline and the number
   into the order's search text, and publishes ``return_label.booked`` in the same transaction
   (returns writes the number on its request and mails the customer then). A repeat finds the
   parcel labelled and books nothing.
3. The documents worker renders the PDF.

Tracking events for a return parcel's number arrive through the same paths as a shipment's
(``fulfillment.services.tracking``) and move it in transit, out for delivery, delivered to the
warehouse or into an exception (``apply_return_parcel_updates``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed

from fulfillment.carriers import integration_for
from fulfillment.carriers.base import CarrierIntegration, TrackingUpdate
from fulfillment.exceptions import LabelError
from fulfillment.models import (
    REPORTED_STATES,
    ExceptionReason,
    ReturnParcel,
    ReturnParcelEvent,
    ReturnParcelState,
    Shipment,
    ShipmentState,
)
from inventory.models import Warehouse
from oms import documents, events, outbox
from oms.models import OutboxMessage
from oms.texts import text
from orders import locks
from orders.models import EventKind, Order
from orders.services import timeline

logger = logging.getLogger(__name__)

RETURN_LABEL_MESSAGE = "return-label"
RETURN_LABEL_DOCUMENT = "return-label"
# The transition each parcel state a carrier reports calls.
TRANSITIONS = {
    ReturnParcelState.IN_TRANSIT: "move_in_transit",
    ReturnParcelState.OUT_FOR_DELIVERY: "send_out_for_delivery",
    ReturnParcelState.DELIVERED: "deliver",
    ReturnParcelState.EXCEPTION: "report_exception",
}


def return_label_subject(parcel: ReturnParcel) -> str:
    return f"{parcel.pk}:{parcel.tracking_number}"


def _books_return_labels(carrier: Any) -> bool:
    try:
        integration = integration_for(carrier)
    except LookupError:
        return False
    return type(integration).create_return_label is not CarrierIntegration.create_return_label


def return_carrier_service(order: Order) -> tuple[Any, Warehouse] | None:
    """The carrier service and warehouse of the order's latest shipment handed to a carrier whose
    integration books return labels; None when there is none."""
    shipments = (
        Shipment.objects.filter(order=order, carrier_service__isnull=False)
        .exclude(state=ShipmentState.CANCELLED)
        .select_related("carrier_service__carrier", "warehouse")
        .order_by("-pk")
    )
    for shipment in shipments:
        carrier = shipment.carrier_service.carrier
        if carrier.active and _books_return_labels(carrier):
            return shipment.carrier_service, shipment.warehouse
    return None


def request_return_label(
    *, order: Order, reference: str, weight_grams: int = 0, warehouse: Warehouse | None = None
) -> ReturnParcel | None:
    """Ask for a return label for ``order`` under ``reference`` (step 1). Call inside the
    transaction that needs it, with the order locked. The same reference again returns the
    parcel already asked for; None when no carrier can book one (the customer then sends the
    parcel at their own choice)."""
    existing = ReturnParcel.objects.filter(reference=reference).first()
    if existing is not None:
        return existing
    choice = return_carrier_service(order)
    if choice is None:
        return None
    service, shipped_from = choice
    parcel = ReturnParcel.objects.create(
        reference=reference,
        order=order,
        warehouse=warehouse or shipped_from,
        carrier_service=service,
        weight_grams=max(int(weight_grams), 0),
    )
    outbox.enqueue(RETURN_LABEL_MESSAGE, {"return_parcel_id": parcel.pk})
    return parcel


def book_return_label(parcel_id: int) -> ReturnParcel | None:
    """Step 2 of the module docstring. Returns the labelled parcel, or None when there is nothing
    to do (labelled already, cancelled). A carrier that refuses leaves nothing half-written; its
    error is kept on the parcel and raised, so the outbox retries with backoff."""
    try:
        with transaction.atomic():
            order_id = ReturnParcel.objects.filter(pk=parcel_id).values_list("order_id", flat=True).first()
            if order_id is None:
                return None
            order = locks.lock_order(order_id=order_id)
            parcel = (
                ReturnParcel.objects.select_for_update(of=("self",))
                .select_related("carrier_service__carrier", "warehouse", "order")
                .get(pk=parcel_id)
            )
            if parcel.state != ReturnParcelState.REQUESTED:
                return None
            carrier = parcel.carrier_service.carrier
            result = integration_for(carrier).create_return_label(parcel)
            if not carrier.is_valid_tracking_number(result.tracking_number):
                raise LabelError(
                    _("%(carrier)s answered with “%(number)s”, which is not one of its tracking numbers.")
                    % {"carrier": carrier.name, "number": result.tracking_number[:60]}
                )
            parcel.label(tracking_number=result.tracking_number, routing_code=result.routing_code)
            parcel.label_document = documents.request_document(
                RETURN_LABEL_DOCUMENT, subject=return_label_subject(parcel)
            )
            parcel.updated_at = timezone.now()
            parcel.save(
                update_fields=[
                    "state",
                    "tracking_number",
                    "routing_code",
                    "label_error",
                    "labelled_at",
                    "label_document",
                    "updated_at",
                ]
            )
            timeline.record_event(
                order,
                EventKind.SHIPMENT,
                text(
                    gettext_lazy("Return label for %(reference)s booked: %(carrier)s, tracking number %(number)s."),
                    reference=parcel.reference,
                    carrier=carrier.name,
                    number=parcel.tracking_number,
                ),
                data={"return_parcel_id": parcel.pk, "tracking_number": parcel.tracking_number},
            )
            timeline.add_search_terms(order_id=order.pk, terms=[parcel.tracking_number])
            events.publish(
                "return_label.booked",
                {
                    "return_parcel_id": parcel.pk,
                    "reference": parcel.reference,
                    "order_id": order.pk,
                    "tracking_number": parcel.tracking_number,
                },
            )
            return parcel
    except Exception as exc:
        ReturnParcel.objects.filter(pk=parcel_id, state=ReturnParcelState.REQUESTED).update(
            label_error=f"{type(exc).__name__}: {exc}"[:255], updated_at=timezone.now()
        )
        raise


def cancel_return_parcel(*, reference: str) -> ReturnParcel | None:
    """The return it was for is withdrawn: a parcel not yet on its way is cancelled (a label not
    yet booked never will be). Call inside the caller's transaction, with the order locked."""
    parcel = ReturnParcel.objects.select_for_update(of=("self",)).filter(reference=reference).first()
    if parcel is None or not can_proceed(parcel.cancel):
        return parcel
    parcel.cancel()
    parcel.updated_at = timezone.now()
    parcel.save(update_fields=["state", "updated_at"])
    return parcel


def _deliver_return_label(message: OutboxMessage) -> None:
    book_return_label(message.payload["return_parcel_id"])


outbox.register_handler(RETURN_LABEL_MESSAGE, _deliver_return_label)


# -- tracking -------------------------------------------------------------------------------------


def return_parcels_by_tracking_number(numbers: Sequence[str], *, carrier: Any = None) -> dict[str, int]:
    """{tracking number: return parcel id} for the numbers that are a return label's."""
    wanted = {n for n in numbers if n}
    if not wanted:
        return {}
    parcels = ReturnParcel.objects.filter(tracking_number__in=wanted)
    if carrier is not None:
        parcels = parcels.filter(carrier_service__carrier=carrier)
    return dict(parcels.values_list("tracking_number", "pk"))


def apply_return_parcel_updates(
    parcel_id: int, updates: Sequence[TrackingUpdate], *, source: str, user: Any, raw: dict[str, Any] | None
) -> tuple[int, int, list[ReturnParcelEvent]]:
    """Store each update once and move the parcel, unless a later event was already applied.
    Runs in the caller's transaction (``record_tracking_updates``). Returns (recorded,
    duplicates, the new events)."""
    order_id = ReturnParcel.objects.values_list("order_id", flat=True).get(pk=parcel_id)
    order = locks.lock_order(order_id=order_id)
    parcel = (
        ReturnParcel.objects.select_for_update(of=("self",))
        .select_related("carrier_service__carrier")
        .get(pk=parcel_id)
    )
    latest = (
        ReturnParcelEvent.objects.filter(parcel=parcel)
        .exclude(mapped_state="")
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)
        .first()
    )
    recorded, duplicates, stored = 0, 0, []
    for update in sorted(updates, key=lambda u: u.occurred_at):
        event = _store(parcel, update, source=source, user=user, raw=raw)
        if event is None:
            duplicates += 1
            continue
        recorded += 1
        stored.append(event)
        if event.mapped_state and (latest is None or event.occurred_at >= latest):
            latest = event.occurred_at
            _apply(parcel, event, order=order, user=user)
    return recorded, duplicates, stored


def _store(
    parcel: ReturnParcel, update: TrackingUpdate, *, source: str, user: Any, raw: dict[str, Any] | None
) -> ReturnParcelEvent | None:
    carrier = parcel.carrier_service.carrier
    if update.event_id:
        duplicate = ReturnParcelEvent.objects.filter(carrier=carrier, carrier_event_id=update.event_id)
    else:
        duplicate = ReturnParcelEvent.objects.filter(
            parcel=parcel, status_code=update.status_code, occurred_at=update.occurred_at
        )
    if duplicate.exists():
        return None
    state = REPORTED_STATES.get(update.state, "")
    try:
        with transaction.atomic():
            return ReturnParcelEvent.objects.create(
                parcel=parcel,
                carrier=carrier,
                carrier_event_id=update.event_id,
                status_code=update.status_code[:50],
                mapped_state=state,
                exception_reason=(update.exception_reason or ExceptionReason.OTHER)
                if state == ReturnParcelState.EXCEPTION
                else "",
                description=update.description[:255],
                location=update.location[:100],
                occurred_at=update.occurred_at,
                source=source,
                raw_payload=raw or {},
                recorded_by=user if getattr(user, "is_authenticated", False) else None,
            )
    except IntegrityError:
        return None


def _apply(parcel: ReturnParcel, event: ReturnParcelEvent, *, order: Order, user: Any) -> bool:
    name = TRANSITIONS.get(event.mapped_state)
    if name is None or (parcel.state == event.mapped_state and name != "report_exception"):
        return False
    transition = getattr(parcel, name)
    if not can_proceed(transition):
        logger.info("Tracking event %s leaves return parcel %s %s", event.pk, parcel.pk, parcel.state)
        return False
    from_state = parcel.state
    if name == "report_exception":
        transition(event.exception_reason)
    else:
        transition()
    if event.mapped_state == ReturnParcelState.DELIVERED:
        parcel.delivered_at = event.occurred_at
    parcel.updated_at = timezone.now()
    parcel.save(update_fields=["state", "exception_reason", "delivered_at", "updated_at"])
    timeline.record_event(
        order,
        EventKind.SHIPMENT,
        text(
            gettext_lazy("Return parcel %(reference)s: %(state)s. %(description)s"),
            reference=parcel.reference,
            state=ReturnParcelState(parcel.state).label,
            description=event.description,
        ),
        actor_label=f"tracking:{event.source}",
        user=user,
        data={"return_parcel_id": parcel.pk, "from": from_state, "to": parcel.state},
    )
    events.publish(
        "return_parcel.moved",
        {
            "return_parcel_id": parcel.pk,
            "reference": parcel.reference,
            "order_id": order.pk,
            "from_state": from_state,
            "state": parcel.state,
        },
    )
    return True
