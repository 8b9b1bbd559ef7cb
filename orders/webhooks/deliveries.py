"""Receiving a delivery and taking its order in, each repeated delivery answered once.

``receive`` is steps 2-4 of the package docstring: the signature before anything else, other
topics ignored, repeated delivery ids dropped, the body parsed. ``place`` places the mapped order
and records the delivery in one transaction; ``record_paid`` handles a later "paid" of an order
already taken in. Each returns the JSON body of a 200 answer or raises a ``WebhookError``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from oms import parsing
from orders.models import Channel, Order, PaymentTransaction, TransactionKind, WebhookDelivery
from orders.services.drafts import OrderDraft
from orders.services.intake import place_order
from orders.services.payments import record_payment
from orders.webhooks.errors import MalformedBodyError, SignatureError
from orders.webhooks.fields import PayloadReader
from orders.webhooks.signatures import verify_signature

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Platform:
    """Where a shop platform puts what ``receive`` reads."""

    source: str
    platform: str
    signature_header: str
    topic_header: str
    topics: tuple[str, ...]  # the first is assumed when the header is missing
    delivery_header: str


@dataclass(frozen=True)
class Delivery:
    """An authentic, new delivery of a handled topic, its body parsed."""

    channel: Channel
    source: str
    topic: str
    delivery_id: str
    payload: dict[str, Any]


class Ignored(Exception):
    """A delivery that is answered 200 and not taken in (another topic, a repeated delivery)."""

    def __init__(self, answer: dict[str, Any]):
        super().__init__(answer.get("status", ""))
        self.answer = answer


def receive(request: HttpRequest, raw: bytes, channel_code: str, shop: Platform) -> Delivery:
    """The authentic, new delivery in ``raw``. Raises ``SignatureError`` (401), ``Ignored`` (a
    200 answer: a topic not handled here, a delivery id seen before) or ``MalformedBodyError``."""
    channel = _channel(channel_code, shop.platform)
    secret = channel.webhook_secret if channel else ""
    if channel is None or not verify_signature(secret, raw, request.headers.get(shop.signature_header)):
        # Logged (never the secret or the body) so a misconfigured shop shows up in the logs.
        logger.warning("Refused %s webhook for channel %r: signature not verified", shop.source, channel_code[:50])
        raise SignatureError()
    topic = request.headers.get(shop.topic_header, shop.topics[0])
    if topic not in shop.topics:
        raise Ignored({"status": "ignored", "reason": f"topic {topic[:50]} is not handled here"})
    delivery_id = parsing.clean_text(request.headers.get(shop.delivery_header, ""), max_length=255).text
    if _already_delivered(channel, shop.source, delivery_id):
        raise Ignored({"status": "duplicate", "delivery_id": delivery_id})
    return Delivery(channel, shop.source, topic, delivery_id, _parse_json(raw))


def _channel(code: str, platform: str) -> Channel | None:
    """The channel with ``code``, unless it is set up for another shop platform."""
    channel = Channel.objects.filter(code=code).first()
    if channel is None or (channel.platform and channel.platform != platform):
        return None
    return channel


def _already_delivered(channel: Channel, source: str, delivery_id: str) -> bool:
    return (
        bool(delivery_id)
        and WebhookDelivery.objects.filter(channel=channel, source=source, delivery_id=delivery_id).exists()
    )


def _parse_json(raw: bytes) -> dict[str, Any]:
    try:
        # Floats as Decimal: WooCommerce sends line prices as JSON numbers; money never passes a float.
        data = json.loads(raw, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise MalformedBodyError(_("The body is not valid JSON: %(error)s") % {"error": str(exc)[:200]}) from None
    if not isinstance(data, dict):
        raise MalformedBodyError(_("The body must be a JSON object (an order)."))
    return data


def place(delivery: Delivery, draft: OrderDraft) -> dict[str, Any]:
    """Place the order and record the delivery in one transaction; a repeat answers "duplicate".

    A refusal of intake (``DomainError``) propagates: the views answer it.
    """
    try:
        with transaction.atomic():
            result = place_order(channel=delivery.channel, draft=draft, actor_label=f"webhook:{delivery.source}")
            if delivery.delivery_id:
                WebhookDelivery.objects.create(
                    channel=delivery.channel,
                    source=delivery.source,
                    delivery_id=delivery.delivery_id,
                    topic=delivery.topic[:100],
                    external_id=draft.external_id,
                    order=result.order,
                )
    except IntegrityError:
        # The same delivery raced in twice: the other one recorded it (and placed the order).
        logger.info(
            "Duplicate %s delivery %s for channel %s", delivery.source, delivery.delivery_id, delivery.channel.code
        )
        return {"status": "duplicate", "external_id": draft.external_id}
    status = "created" if result.created else "duplicate"
    return {"status": status, "order": result.order.number, "external_id": draft.external_id}


def record_paid(delivery: Delivery, *, paid: bool) -> dict[str, Any] | None:
    """A later delivery about an order already taken in (WooCommerce ``order.updated``, Shopify
    ``orders/paid``): when the shop now reports it paid and no capture is recorded yet, record
    one for the order's total, which confirms a pending order. ``None`` when the order is not
    known yet (the caller takes it in as new). Repeats record nothing twice."""
    external_id = PayloadReader().external_id(delivery.payload.get("id"), "id")
    order = Order.objects.filter(channel=delivery.channel, external_id=external_id).first()
    if order is None:
        return None
    captured = PaymentTransaction.objects.filter(order=order, kind=TransactionKind.CAPTURE).exists()
    if not paid or captured or order.total <= 0:
        return {"status": "duplicate", "order": order.number, "external_id": external_id}
    record_payment(
        order=order,
        kind=TransactionKind.CAPTURE,
        amount=order.total,
        provider=delivery.channel.code,
        provider_reference=f"{delivery.source}:{external_id}",
        actor_label=f"webhook:{delivery.source}",
    )
    return {"status": "paid", "order": order.number, "external_id": external_id}
