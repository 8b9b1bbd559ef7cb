"""The panels fulfillment shows customers on their order's portal page (``oms.panels`` customer
slot ``"customer-order"``): each shipment with its carrier, tracking number and link, the
expected delivery date, and a delay or problem in plain words with what happens next. Also the
dates of the portal's status timeline only shipments know (out for delivery).

Customer data only: nothing about bins, pickers, warehouses' internal codes, hold reasons or risk
notes for staff. Registered from ``FulfillmentConfig.ready()``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fulfillment.models import CARRIER_STATES, ExceptionReason, Shipment, ShipmentState, TrackingEvent
from oms import panels

# What a customer reads for each state of a shipment.
STATE_WORDS = {
    ShipmentState.PLANNED: _("We are getting it ready"),
    ShipmentState.PICKING: _("Being packed"),
    ShipmentState.PACKED: _("Packed, waiting for the carrier"),
    ShipmentState.LABELLED: _("Packed, waiting for the carrier"),
    ShipmentState.ON_HOLD: _("We are getting it ready"),
    ShipmentState.SHIPPED: _("Handed to the carrier"),
    ShipmentState.IN_TRANSIT: _("On its way"),
    ShipmentState.OUT_FOR_DELIVERY: _("Out for delivery"),
    ShipmentState.DELIVERED: _("Delivered"),
    ShipmentState.EXCEPTION: _("Delayed"),
    ShipmentState.RETURNED_TO_SENDER: _("On its way back to us"),
}
# A carrier's problem in plain words, with what happens next.
EXCEPTION_WORDS = {
    ExceptionReason.CUSTOMS: _(
        "Your parcel is being checked by customs. This can take a few days; the carrier delivers it afterwards."
    ),
    ExceptionReason.ADDRESS: _(
        "The carrier could not deliver your parcel to the address given. We are in touch with them; "
        "if we need anything from you, we will write to you."
    ),
    ExceptionReason.DAMAGED: _(
        "Your parcel was damaged on its way. We are clarifying this with the carrier and will let you know "
        "how we put it right."
    ),
    ExceptionReason.NOT_HOME: _(
        "The carrier could not find you at home. They will try again or leave a notice where to collect it."
    ),
    ExceptionReason.REFUSED: _("The parcel was refused at the door. It comes back to us; we will be in touch."),
    ExceptionReason.DELAY: _("Your parcel is delayed with the carrier. It is still on its way to you."),
    ExceptionReason.OTHER: _("There is a problem with the delivery. We are clarifying it with the carrier."),
}
RETURNED_WORDS = _("The carrier is bringing your parcel back to us. We will be in touch about what happens next.")


@dataclass(frozen=True)
class CustomerShipment:
    number: int
    state: str
    status: Any
    carrier: str
    tracking_number: str
    tracking_url: str
    expected_delivery_date: Any
    delivered_at: Any
    late: bool
    problem: Any


def _problem(shipment: Shipment) -> Any:
    if shipment.state == ShipmentState.EXCEPTION:
        return EXCEPTION_WORDS.get(shipment.exception_reason, EXCEPTION_WORDS[ExceptionReason.OTHER])
    if shipment.state == ShipmentState.RETURNED_TO_SENDER:
        return RETURNED_WORDS
    return ""


def order_shipments(*, order: Any, **_: Any) -> dict[str, Any] | None:
    """The order's shipments as the customer sees them (none, or all cancelled: no panel)."""
    shipments = (
        Shipment.objects.filter(order=order)
        .exclude(state=ShipmentState.CANCELLED)
        .select_related("carrier_service__carrier")
        .order_by("created_at", "pk")
    )
    today = timezone.localdate()
    rows = []
    for number, shipment in enumerate(shipments, start=1):
        carrier = shipment.carrier_service.carrier if shipment.carrier_service_id else None
        expected = shipment.expected_delivery_date
        promised = shipment.promised_delivery_date
        on_the_way = shipment.state in CARRIER_STATES
        late = bool(on_the_way and expected and ((promised and expected > promised) or expected < today))
        rows.append(
            CustomerShipment(
                number=number,
                state=shipment.state,
                status=STATE_WORDS.get(shipment.state, ""),
                carrier=carrier.name if carrier and shipment.state not in _BEFORE_HANDOVER else "",
                tracking_number=shipment.tracking_number if shipment.state not in _BEFORE_HANDOVER else "",
                tracking_url=carrier.tracking_url(shipment.tracking_number)
                if carrier and shipment.tracking_number and shipment.state not in _BEFORE_HANDOVER
                else "",
                expected_delivery_date=expected if shipment.state != ShipmentState.DELIVERED else None,
                delivered_at=shipment.delivered_at,
                late=late,
                problem=_problem(shipment),
            )
        )
    if not rows:
        return None
    return {"shipments": rows, "several": len(rows) > 1}


# Until the carrier has the parcel, its tracking number tracks nothing.
_BEFORE_HANDOVER = {
    ShipmentState.PLANNED,
    ShipmentState.PICKING,
    ShipmentState.PACKED,
    ShipmentState.LABELLED,
    ShipmentState.ON_HOLD,
}


def order_milestones(*, order: Any) -> dict[str, Any]:
    """When the first parcel went out for delivery (the status timeline's step)."""
    first = TrackingEvent.objects.filter(shipment__order=order, mapped_state=ShipmentState.OUT_FOR_DELIVERY).aggregate(
        at=Min("occurred_at")
    )
    return {"out_for_delivery": first["at"]}


def register() -> None:
    panels.register_customer(
        "customer-order",
        name="shipments",
        template="fulfillment/customer/order_shipments.html",
        context=order_shipments,
        order=20,
    )
    panels.register_customer_milestones("fulfillment", order_milestones)
