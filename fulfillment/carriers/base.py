"""The one interface every carrier integration implements.

A carrier integration is the edge of the world: the carrier's label API and its tracking
webhooks. The rest of the app (labels, tracking, ETA) talks only to this interface, so a new
carrier is one new subclass registered in ``fulfillment.carriers``; tests use the offline
integration behind the same interface.

The calls:

- ``create_label(shipment, packages)``: book the shipment with the carrier; returns the tracking
  number of each package and the routing code. It must be idempotent for the same shipment: a
  real API is given the shipment's reference as its idempotency key, so a repeat (a worker that
  died after the call, before our commit) returns the booking already made instead of a second
  one. Called once per shipment by ``fulfillment.services.labels``, which stores the answer in
  its own committed step before anything is rendered.
- ``create_return_label(parcel)``: book a return label for ``parcel`` (a ``ReturnParcel``: the
  customer's address on the order as sender, the warehouse as recipient); idempotent per parcel
  in the same way (its ``reference`` is the idempotency key). Returns the parcel's number.
- ``tracking_url(number)``: where a customer follows a parcel.
- ``verify_webhook(secret, raw_body, headers)``: whether a tracking webhook is the carrier's.
- ``parse_tracking_webhook(raw_body, headers)``: the tracking events it carries, in our vocabulary.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ParcelLabel:
    """The carrier's answer for one package."""

    package_id: int
    tracking_number: str


@dataclass(frozen=True)
class LabelResult:
    """The carrier's answer to a booking: the shipment's tracking number (its first package's),
    one number per package, and the routing code sorting machines read."""

    tracking_number: str
    routing_code: str
    parcels: tuple[ParcelLabel, ...] = field(default_factory=tuple)
    carrier_reference: str = ""


@dataclass(frozen=True)
class TrackingUpdate:
    """One tracking event as a carrier reports it, mapped to our words: ``status_code`` is the
    carrier's own code, ``state`` the shipment state it means (one of ``TRACKED_STATES``; empty
    for an event that only informs, such as a hub scan), ``exception_reason`` an
    ``ExceptionReason`` for exceptions. ``event_id`` identifies it at the carrier, so a repeated
    delivery is recognised (empty: the number, code and time identify it)."""

    tracking_number: str
    status_code: str
    state: str
    occurred_at: datetime.datetime
    event_id: str = ""
    exception_reason: str = ""
    location: str = ""
    description: str = ""
    estimated_delivery: datetime.date | None = None


class WebhookPayloadError(ValueError):
    """An authentic webhook whose body is not what the carrier's format says; ``str`` tells why."""


class CarrierIntegration(ABC):
    """One carrier's API. Subclasses set ``code`` (the key in ``fulfillment.carriers``) and
    ``signature_header``, and implement the abstract methods."""

    code: str = ""
    label: str = ""
    signature_header: str = "X-Carrier-Signature"

    def __init__(self, carrier: Any = None) -> None:
        # The Carrier row (its number format, account and tracking URL pattern), when there is one.
        self.carrier = carrier

    @abstractmethod
    def create_label(self, shipment: Any, packages: Sequence[Any]) -> LabelResult:
        """Book ``shipment`` (its ``packages`` in order) with the carrier. Idempotent per shipment."""

    def create_return_label(self, parcel: Any) -> LabelResult:
        """Book a return label for ``parcel`` (a ``ReturnParcel``). Idempotent per parcel. A carrier
        without return labels raises ``NotImplementedError``: no label is offered then."""
        raise NotImplementedError(f"{type(self).__name__} books no return labels")

    def tracking_url(self, number: str) -> str:
        return self.carrier.tracking_url(number) if self.carrier is not None else ""

    def verify_webhook(self, secret: str, raw_body: bytes, headers: Mapping[str, str]) -> bool:
        """HMAC-SHA256 of the raw body with the carrier's secret, hex, in ``signature_header``
        (an optional ``sha256=`` prefix is allowed); compared in constant time before anything
        is parsed. An empty secret verifies nothing."""
        given = (headers.get(self.signature_header) or "").strip()
        if not secret or not given:
            return False
        given = given.removeprefix("sha256=")
        expected = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(given.lower().encode(), expected.encode())

    @abstractmethod
    def parse_tracking_webhook(self, raw_body: bytes, headers: Mapping[str, str]) -> list[TrackingUpdate]:
        """The events of a verified webhook. Raises ``WebhookPayloadError`` for a body it cannot read."""


def sign_webhook(secret: str, raw_body: bytes) -> str:
    """The signature a carrier sends for ``raw_body`` (``verify_webhook``'s counterpart)."""
    return "sha256=" + hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
