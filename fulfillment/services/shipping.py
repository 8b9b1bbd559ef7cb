"""Labelling and shipping.

``mark_labelled`` is the boundary the label work calls once a carrier has booked the parcel
(or a person typed the number of a label bought elsewhere): packed -> labelled, with the tracking
number, routing code and label document. ``ship_shipment`` hands a labelled shipment to the
carrier: the order's units ship from the bins they were picked from (``ship_order_lines`` with
the shipment's reference), the customer's shipping confirmation and the push of the tracking
number to the order's shop (``orders.services.shop_sync``) are enqueued in the same
transaction, and ``shipment.shipped`` is published after commit (billing invoices on it).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from fulfillment import locks
from fulfillment.error_codes import FulfillmentErrorCode
from fulfillment.exceptions import NotReadyToShipError
from fulfillment.mails import SHIPPING_CONFIRMATION
from fulfillment.models import LabelState, Shipment, ShipmentLine, ShipmentState
from fulfillment.services import timeline
from fulfillment.services.transitions import apply_shipment_transition
from oms.exceptions import DomainError
from oms.mail import enqueue_mail
from oms.models import Document
from orders import locks as order_locks
from orders.models import OrderState
from orders.services.lifecycle import backorder_from_fulfillment, ship_order_lines
from orders.services.shop_sync import push_shipment
from orders.services.timeline import add_search_terms


@transaction.atomic
def mark_labelled(
    *,
    shipment: Shipment,
    tracking_number: str,
    routing_code: str = "",
    document: Document | None = None,
    user: Any = None,
) -> Shipment:
    """packed -> labelled. The number must match the carrier's format (when the shipment has a
    carrier service) and belong to no other shipment. Adds it to the order's search document."""
    number = (tracking_number or "").strip()
    order_locks.lock_order(order_id=shipment.order_id)
    shipment = locks.lock_shipment(shipment_id=shipment.pk)
    if shipment.state != ShipmentState.PACKED:
        raise NotReadyToShipError(
            _("Only a packed shipment gets a label (%(reference)s is “%(state)s”).")
            % {"reference": shipment.reference, "state": shipment.get_state_display()}
        )
    carrier = shipment.carrier_service.carrier if shipment.carrier_service_id else None
    if not number or (carrier is not None and not carrier.is_valid_tracking_number(number)):
        raise DomainError(
            _("“%(number)s” is not a tracking number of %(carrier)s.")
            % {"number": number, "carrier": carrier.name if carrier else "-"},
            code=FulfillmentErrorCode.TRACKING_INVALID,
            data={"field": "tracking_number"},
        )
    if Shipment.objects.filter(tracking_number=number).exclude(pk=shipment.pk).exists():
        raise DomainError(
            _("Tracking number %(number)s belongs to another shipment.") % {"number": number},
            code=FulfillmentErrorCode.TRACKING_INVALID,
            data={"field": "tracking_number"},
        )
    shipment.label_document = document
    from_state = apply_shipment_transition(
        shipment,
        "label",
        kwargs={"tracking_number": number, "routing_code": routing_code},
        extra_fields=("label_document",),
    )
    timeline.shipment_labelled(shipment, from_state=from_state, user=user)
    add_search_terms(order_id=shipment.order_id, terms=[number])
    return shipment


@transaction.atomic
def ship_shipment(*, shipment: Shipment, user: Any = None) -> Shipment:
    """labelled -> shipped: consume the picked units from their bins, move the order on, mail the
    customer, publish ``shipment.shipped``. Raises ``NotReadyToShipError`` for a shipment that is
    not labelled (unpacked, held, cancelled, shipped already); nothing changes then."""
    order = order_locks.lock_order(order_id=shipment.order_id)
    shipment = locks.lock_shipment(shipment_id=shipment.pk)
    if shipment.state != ShipmentState.LABELLED or shipment.label_state != LabelState.READY:
        raise NotReadyToShipError(
            _("Shipment %(reference)s cannot ship: it is “%(state)s”, not labelled.")
            % {"reference": shipment.reference, "state": shipment.get_state_display()}
        )
    quantities, from_bins = _picked(shipment)
    order = ship_order_lines(
        order=order,
        quantities=quantities,
        warehouse_id=shipment.warehouse_id,
        reference=shipment.reference,
        from_bins=from_bins,
        user=user,
    )
    carrier = shipment.carrier_service.carrier if shipment.carrier_service_id else None
    from_state = apply_shipment_transition(
        shipment,
        "ship",
        kwargs={"user": user if getattr(user, "pk", None) else None},
        payload={
            "warehouse_id": shipment.warehouse_id,
            "tracking_number": shipment.tracking_number,
            "lines": {str(k): v for k, v in quantities.items()},
        },
    )
    timeline.shipment_shipped(shipment, carrier=carrier.name if carrier else "-", from_state=from_state, user=user)
    push_shipment(
        order=order,
        reference=shipment.reference,
        carrier=carrier.name if carrier else "",
        tracking_number=shipment.tracking_number,
        tracking_url=carrier.tracking_url(shipment.tracking_number) if carrier else "",
        quantities=quantities,
    )
    if order.email:
        enqueue_mail(
            SHIPPING_CONFIRMATION,
            subject_id=str(shipment.pk),
            to=order.email,
            language=order.customer.language,
            requested_by=f"shipment:{shipment.reference}",
        )
    _backorder_what_was_short(order, user=user)
    return shipment


def _picked(shipment: Shipment) -> tuple[dict[int, int], dict[int, dict[int, int]]]:
    """Units per order line, and per order line the bins they came from (lines whose units all
    have a bin; units without one are taken as inventory takes unbinned stock)."""
    quantities: dict[int, int] = defaultdict(int)
    bins: dict[int, dict[int, int]] = defaultdict(dict)
    unbinned: set[int] = set()
    for line in ShipmentLine.objects.filter(shipment=shipment, quantity_picked__gt=0).order_by("pk"):
        quantities[line.order_line_id] += line.quantity_picked
        if line.bin_id is None:
            unbinned.add(line.order_line_id)
        else:
            bins[line.order_line_id][line.bin_id] = bins[line.order_line_id].get(line.bin_id, 0) + line.quantity_picked
    if not quantities:
        raise NotReadyToShipError(_("Shipment %(reference)s carries nothing.") % {"reference": shipment.reference})
    return dict(quantities), {line_id: b for line_id, b in bins.items() if line_id not in unbinned}


def _backorder_what_was_short(order: Any, *, user: Any) -> None:
    """A split order whose short-picked units lost their reservation: once nothing of it is left
    in the warehouse, the rest waits for stock (or is re-routed) as a backorder."""
    if order.state != OrderState.PARTIALLY_SHIPPED:
        return
    if Shipment.objects.filter(
        order=order,
        state__in=[
            ShipmentState.PLANNED,
            ShipmentState.PICKING,
            ShipmentState.PACKED,
            ShipmentState.LABELLED,
            ShipmentState.ON_HOLD,
        ],
    ).exists():
        return
    lines = list(order.lines.all())
    if any(line.quantity_to_allocate > 0 for line in lines):
        backorder_from_fulfillment(order=order, reason=_("short pick"), user=user)
