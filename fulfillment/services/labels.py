"""Shipping labels: book the shipment with its carrier, keep the tracking numbers, render the PDFs.

Three steps, each committed before the next starts, so no retry ever books a second number:

1. ``request_label(shipment)`` — inside the packing transaction: marks the label requested and
   enqueues the booking through the outbox (kind ``label``), so it commits or rolls back with
   the packing and a lost broker only delays it (the outbox sweep sends it again).
2. ``book_label(shipment_id)`` — the outbox handler, in a worker: locks the shipment, asks the
   carrier integration for the numbers (``create_label``; idempotent per shipment, see
   ``fulfillment.carriers.base``), stores them (the shipment's and each package's, under unique
   constraints), moves the shipment to ``labelled`` and requests the label and each package's
   delivery note from ``oms.documents``. All of that commits together, before any PDF is drawn.
   A booking already stored is never made again: a repeated message finds the shipment
   labelled and does nothing.
3. The documents worker renders the PDFs (``oms.documents``). A worker killed mid-render rolls
   back only the render; the numbers are already committed, and the outbox renders again.

The label's PDF shows the number it was booked with: the document's subject is
``<shipment id>:<tracking number>``, so a label voided and booked again is a new document.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fulfillment import eta
from fulfillment.carriers import integration_for
from fulfillment.exceptions import LabelError
from fulfillment.models import LabelState, Package, Shipment, ShipmentState
from oms import documents, outbox
from oms.models import OutboxMessage
from oms.texts import text
from orders import locks
from orders.models import EventKind
from orders.services import timeline

logger = logging.getLogger(__name__)

LABEL_MESSAGE = "label"
LABEL_DOCUMENT = "shipping-label"
DELIVERY_NOTE_DOCUMENT = "delivery-note"


def label_subject(shipment: Shipment) -> str:
    return f"{shipment.pk}:{shipment.tracking_number}"


def request_label(shipment: Shipment) -> Shipment:
    """Ask for ``shipment``'s label. Call inside the packing transaction, with the shipment
    packed, its carrier service chosen and its packages written (lock held by the caller).

    Saves ``label_state`` (requested) on the row and enqueues the booking; nothing leaves the
    process before commit. Raises ``LabelError`` when there is nothing to label yet."""
    if shipment.state != ShipmentState.PACKED:
        raise LabelError(
            _("Only a packed shipment gets a label (it is “%(state)s”).") % {"state": shipment.get_state_display()}
        )
    if shipment.carrier_service_id is None:
        raise LabelError(_("Choose a carrier service before asking for a label."))
    if not shipment.packages.exists():
        raise LabelError(_("The shipment has no packages to label."))
    shipment.label_state = LabelState.REQUESTED
    shipment.label_error = ""
    shipment.updated_at = timezone.now()
    shipment.save(update_fields=["label_state", "label_error", "updated_at"])
    outbox.enqueue(LABEL_MESSAGE, {"shipment_id": shipment.pk})
    return shipment


def book_label(shipment_id: int) -> Shipment | None:
    """Step 2 of the module docstring. Returns the labelled shipment, or None when there is
    nothing to do (already labelled, held, cancelled or voided since it was asked for).

    Runs in the caller's transaction (the outbox's delivery) inside a savepoint of its own: a
    carrier that refuses leaves nothing half-written; its error is kept on the shipment and
    raised, so the outbox retries with backoff."""
    try:
        with transaction.atomic():
            # The order first, then the shipment: the order in which every service locks them.
            order_id = Shipment.objects.filter(pk=shipment_id).values_list("order_id", flat=True).first()
            if order_id is None:
                return None
            locks.lock_order(order_id=order_id)
            shipment = (
                Shipment.objects.select_for_update(of=("self",))
                .select_related("carrier_service__carrier", "order", "warehouse")
                .get(pk=shipment_id)
            )
            if shipment.state != ShipmentState.PACKED or shipment.label_state != LabelState.REQUESTED:
                return None
            packages = list(Package.objects.select_for_update().filter(shipment=shipment).order_by("number"))
            carrier = shipment.carrier_service.carrier
            result = integration_for(carrier).create_label(shipment, packages)
            if not carrier.is_valid_tracking_number(result.tracking_number):
                raise LabelError(
                    _("%(carrier)s answered with “%(number)s”, which is not one of its tracking numbers.")
                    % {"carrier": carrier.name, "number": result.tracking_number[:60]}
                )
            numbers = {parcel.package_id: parcel.tracking_number for parcel in result.parcels}
            for package in packages:
                package.tracking_number = numbers.get(package.pk, "")
            Package.objects.bulk_update(packages, ["tracking_number"])
            shipment.label(tracking_number=result.tracking_number, routing_code=result.routing_code)
            estimate = eta.shipment_estimate(shipment, now=timezone.now())
            if estimate is not None:
                shipment.expected_delivery_date = estimate.date
            shipment.label_document = documents.request_document(LABEL_DOCUMENT, subject=label_subject(shipment))
            shipment.updated_at = timezone.now()
            shipment.save(
                update_fields=[
                    "state",
                    "tracking_number",
                    "routing_code",
                    "label_state",
                    "label_error",
                    "labelled_at",
                    "label_document",
                    "expected_delivery_date",
                    "updated_at",
                ]
            )
            for package in packages:
                package.delivery_note = documents.request_document(DELIVERY_NOTE_DOCUMENT, subject=str(package.pk))
            Package.objects.bulk_update(packages, ["delivery_note"])
            _record_labelled(shipment)
            # Support finds the order by any of its tracking numbers.
            timeline.add_search_terms(
                order_id=shipment.order_id, terms=[shipment.tracking_number, *(p.tracking_number for p in packages)]
            )
            return shipment
    except Exception as exc:
        Shipment.objects.filter(pk=shipment_id, label_state=LabelState.REQUESTED).update(
            label_error=f"{type(exc).__name__}: {exc}"[:255], updated_at=timezone.now()
        )
        raise


def _record_labelled(shipment: Shipment) -> None:
    timeline.record_event(
        shipment.order,
        EventKind.SHIPMENT,
        text(
            gettext_lazy("Shipment %(reference)s labelled: %(carrier)s, tracking number %(number)s."),
            reference=shipment.reference,
            carrier=shipment.carrier_service.carrier.name,
            number=shipment.tracking_number,
        ),
        data={"shipment_id": shipment.pk, "tracking_number": shipment.tracking_number},
    )


def _deliver_label(message: OutboxMessage) -> None:
    book_label(message.payload["shipment_id"])


def label_ready(shipment: Shipment) -> bool:
    """True when the label's PDF can be printed."""
    document: Any = shipment.label_document
    return document is not None and document.status == "ready"


outbox.register_handler(LABEL_MESSAGE, _deliver_label)
