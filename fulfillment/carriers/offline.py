"""The built-in offline integrations: every carrier's numbers, without a carrier to ask.

No live carrier API is reachable from here, so these integrations (one class per carrier, as a
real one would be) answer as the carrier would, from our own data: each package's tracking number
is made from the package's primary key in the carrier's number format (``numbers.FORMATS``, check
digit included), and the routing code
from the recipient's address. The same shipment always gets the same numbers, so booking it twice
books nothing new, which is the idempotency a real API gives through its idempotency key.

Its tracking webhook is a documented JSON body, signed like every carrier's
(``CarrierIntegration.verify_webhook``)::

    {"events": [{"id": "evt-1", "tracking_number": "00340434...", "status": "delivered",
                 "occurred_at": "2026-06-05T10:12:00+02:00", "location": "München",
                 "reason": "", "description": "Zugestellt", "estimated_delivery": "2026-06-05"}]}

``status`` is a shipment state a carrier reports (``in_transit``, ``out_for_delivery``,
``delivered``, ``exception``, ``returned_to_sender``) or any other code of an event that only
informs (``hub_scan``), stored without changing the shipment; ``reason`` (for exceptions) one of
``ExceptionReason`` (anything else is ``other``).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from fulfillment.carriers.base import CarrierIntegration, LabelResult, ParcelLabel, TrackingUpdate, WebhookPayloadError
from fulfillment.carriers.numbers import leitcode, normalise, number_format
from fulfillment.models import TRACKED_STATES, ExceptionReason, ShipmentState

MAX_EVENTS = 500  # per webhook; carriers batch far fewer


class OfflineCarrier(CarrierIntegration):
    """The offline answer of one carrier; subclasses name the carrier's number format."""

    number_format = "dhl-paket"
    signature_header = "X-Carrier-Signature"

    def create_label(self, shipment: Any, packages: Sequence[Any]) -> LabelResult:
        fmt = number_format(self.number_format)
        account = getattr(self.carrier, "account_number", "") or ""
        parcels = tuple(ParcelLabel(p.pk, fmt.make(p.pk, account=account)) for p in packages)
        if not parcels:
            raise ValueError("A label needs at least one package")
        order = shipment.order
        routing = leitcode(postcode=order.shipping_postcode, street=order.shipping_street)
        return LabelResult(
            tracking_number=parcels[0].tracking_number,
            routing_code=routing if order.shipping_country == "DE" else "",
            parcels=parcels,
            carrier_reference=f"offline-{shipment.pk}",
        )

    def create_return_label(self, parcel: Any) -> LabelResult:
        """The return parcel's number in the carrier's format (``NumberFormat.make_return``: never
        one of an outgoing package's), the routing code of the warehouse it goes to."""
        fmt = number_format(self.number_format)
        account = getattr(self.carrier, "account_number", "") or ""
        number = fmt.make_return(parcel.pk, account=account)
        warehouse = parcel.warehouse
        routing = leitcode(postcode=warehouse.postal_code, street=warehouse.street)
        return LabelResult(
            tracking_number=number,
            routing_code=routing if warehouse.country == "DE" else "",
            carrier_reference=f"offline-return-{parcel.pk}",
        )

    def parse_tracking_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> list[TrackingUpdate]:
        try:
            data = json.loads(raw_body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise WebhookPayloadError(_("The body is not valid JSON.")) from None
        events = data.get("events") if isinstance(data, dict) else None
        if not isinstance(events, list) or not events:
            raise WebhookPayloadError(_("The body must be an object with a non-empty list “events”."))
        if len(events) > MAX_EVENTS:
            raise WebhookPayloadError(_("At most %(count)d events per delivery.") % {"count": MAX_EVENTS})
        return [_update(event, index) for index, event in enumerate(events)]


class OfflineDHLPaket(OfflineCarrier):
    code = "dhl"
    label = "DHL Paket"
    number_format = "dhl-paket"


class OfflineDPD(OfflineCarrier):
    code = "dpd"
    label = "DPD"
    number_format = "dpd"


class OfflineGLS(OfflineCarrier):
    code = "gls"
    label = "GLS"
    number_format = "gls"


class OfflineHermes(OfflineCarrier):
    code = "hermes"
    label = "Hermes"
    number_format = "hermes"


class OfflineUPS(OfflineCarrier):
    code = "ups"
    label = "UPS"
    number_format = "ups"


def _update(event: Any, index: int) -> TrackingUpdate:
    if not isinstance(event, dict):
        raise WebhookPayloadError(_("Event %(index)d is not an object.") % {"index": index + 1})

    def text(key: str, limit: int) -> str:
        value = event.get(key, "")
        if value is None:
            return ""
        if not isinstance(value, str) or "\x00" in value:
            raise WebhookPayloadError(_("Event %(index)d: “%(key)s” must be text.") % {"index": index + 1, "key": key})
        return value.strip()[:limit]

    number = normalise(text("tracking_number", 40))
    if not number:
        raise WebhookPayloadError(_("Event %(index)d has no tracking number.") % {"index": index + 1})
    status = text("status", 50)
    if not status:
        raise WebhookPayloadError(_("Event %(index)d has no status.") % {"index": index + 1})
    state = status if status in TRACKED_STATES else ""
    reason = ""
    if state == ShipmentState.EXCEPTION:
        reason = text("reason", 20)
        reason = reason if reason in ExceptionReason.values else ExceptionReason.OTHER
    try:
        occurred = parse_datetime(text("occurred_at", 40))
    except ValueError:  # well-formed but impossible, such as 30 February
        occurred = None
    if occurred is None or occurred.tzinfo is None:
        raise WebhookPayloadError(
            _("Event %(index)d: “occurred_at” must be a date and time with its offset.") % {"index": index + 1}
        )
    estimate_text = text("estimated_delivery", 10)
    estimate: datetime.date | None = None
    if estimate_text:
        try:
            estimate = parse_date(estimate_text)
        except ValueError:
            estimate = None
        if estimate is None:
            raise WebhookPayloadError(
                _("Event %(index)d: “estimated_delivery” must be a date (YYYY-MM-DD).") % {"index": index + 1}
            )
    return TrackingUpdate(
        tracking_number=number,
        status_code=status,
        state=state,
        occurred_at=occurred,
        event_id=text("id", 100),
        exception_reason=reason,
        location=text("location", 100),
        description=text("description", 255),
        estimated_delivery=estimate,
    )
