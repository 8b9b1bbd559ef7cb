"""What fulfillment adds to the order API (``oms.api_extras``, slot ``order-detail``): the
order's shipments with carrier, tracking, expected delivery and what delays them.

The serializers describe the output (the OpenAPI schema is built from them); ``order_shipments``
writes the same output out from ``fulfillment.tracking_selectors.shipments_for_order``
(tests/fulfillment/test_api.py keeps the two equal)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from fulfillment.models import ExceptionReason, ShipmentState
from fulfillment.tracking_selectors import RISK_CODES, OrderShipment, shipments_for_order

_TIME_OUT = serializers.DateTimeField()
_DATE_OUT = serializers.DateField()


class CarrierOutputSerializer(serializers.Serializer):
    code = serializers.CharField(help_text=_("The carrier, e.g. dhl, dpd, gls, hermes, ups."))
    name = serializers.CharField()
    service = serializers.CharField(help_text=_("The carrier's service, e.g. paket, classic, express."))
    service_name = serializers.CharField()


class DelayOutputSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=RISK_CODES)
    message = serializers.CharField()


class TrackingEventOutputSerializer(serializers.Serializer):
    occurred_at = serializers.DateTimeField()
    state = serializers.ChoiceField(
        choices=ShipmentState.choices,
        allow_null=True,
        help_text=_("The shipment state the event means; null for an informational event."),
    )
    status_code = serializers.CharField(help_text=_("The carrier's own status code."))
    exception_reason = serializers.ChoiceField(choices=ExceptionReason.choices, allow_null=True)
    location = serializers.CharField(allow_blank=True)
    description = serializers.CharField(allow_blank=True)


class ShipmentOutputSerializer(serializers.Serializer):
    reference = serializers.CharField()
    warehouse = serializers.CharField(help_text=_("Code of the warehouse it ships from."))
    state = serializers.ChoiceField(choices=ShipmentState.choices)
    carrier = CarrierOutputSerializer(allow_null=True, help_text=_("Null until a carrier service is chosen."))
    tracking_number = serializers.CharField(allow_null=True)
    tracking_url = serializers.URLField(allow_null=True)
    shipped_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    expected_delivery_date = serializers.DateField(
        allow_null=True,
        help_text=_(
            "The carrier's estimate once labelled (moved by tracking events), before that the estimate from the "
            "promised ship date; the day it was delivered once delivered; null when it cannot be told."
        ),
    )
    expected_delivery_is_estimate = serializers.BooleanField(
        help_text=_("True while the date is estimated from the promised ship date, before the label.")
    )
    promised_delivery_date = serializers.DateField(allow_null=True)
    exception_reason = serializers.ChoiceField(choices=ExceptionReason.choices, allow_null=True)
    delay = DelayOutputSerializer(
        allow_null=True, help_text=_("Why the shipment will probably miss its promise; null when on time.")
    )
    events = TrackingEventOutputSerializer(
        many=True, help_text=_("The newest tracking events, newest first (at most five).")
    )


def _time(value: Any) -> str | None:
    return None if value is None else _TIME_OUT.to_representation(value)


def _date(value: Any) -> str | None:
    return None if value is None else _DATE_OUT.to_representation(value)


def _shipment(row: OrderShipment) -> dict[str, Any]:
    shipment = row.shipment
    service = shipment.carrier_service
    return {
        "reference": shipment.reference,
        "warehouse": shipment.warehouse.code,
        "state": shipment.state,
        "carrier": None
        if service is None
        else {
            "code": service.carrier.code,
            "name": service.carrier.name,
            "service": service.code,
            "service_name": service.name,
        },
        "tracking_number": shipment.tracking_number or None,
        "tracking_url": row.tracking_url or None,
        "shipped_at": _time(shipment.shipped_at),
        "delivered_at": _time(shipment.delivered_at),
        "expected_delivery_date": _date(row.expected_delivery),
        "expected_delivery_is_estimate": row.estimated,
        "promised_delivery_date": _date(shipment.promised_delivery_date),
        "exception_reason": shipment.exception_reason or None,
        "delay": None if row.risk is None else {"code": row.risk.code, "message": row.risk.message},
        "events": [
            {
                "occurred_at": _time(event.occurred_at),
                "state": event.mapped_state or None,
                "status_code": event.status_code,
                "exception_reason": event.exception_reason or None,
                "location": event.location,
                "description": event.description,
            }
            for event in row.events
        ],
    }


def order_shipments(order: Any, *, request: Any = None) -> list[dict[str, Any]]:
    """The ``shipments`` of the order detail endpoint (three queries)."""
    return [_shipment(row) for row in shipments_for_order(order, now=timezone.now())]
