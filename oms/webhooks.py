"""Outbound webhooks: other systems (ERPs, shops) subscribe to public events and receive each one
as a signed POST, retried until it is taken.

Public event names are a stable mapping over the internal domain events (``PUBLIC_EVENTS``):
``order.placed`` is published to subscribers as ``order.created``, every order transition as one
``order.status_changed``. The internal names may change; these may not.

A delivery is written in the transaction of the change it reports (an in-transaction subscriber,
``oms.events.subscribe_in_transaction``): a ``WebhookDelivery`` row with the body as it will be
sent, its id and its sequence number (per subscription and order, so a receiver can put the
events of an order in order), and an outbox message. After commit a worker POSTs it; a receiver
that is slow, down or answers anything but 2xx is tried again with the outbox's backoff
(30 s doubling to 30 min) until ``OUTBOX_MAX_ATTEMPTS``, then the delivery is failed. Every
attempt is logged (status, response time, the start of the answer); staff see the log in the
admin and can send a delivery again by hand. Nothing of this runs in the request that changed
the order: a receiver never slows the order flow.

Signing (README, "Outbound webhooks"): ``X-OMS-Signature: t=<unix time>,v1=<hex>`` where
``v1 = HMAC-SHA256(secret, "<t>." + raw body)``. ``X-OMS-Delivery`` carries the delivery id
(the same on every retry), ``X-OMS-Sequence`` the sequence number, ``X-OMS-Event`` the event.

Targets: ``https://`` only (``WEBHOOK_REQUIRE_HTTPS``; http for development), and never an
address inside our own network: the host is resolved before each POST and every address must be
public (no loopback, private, link-local, shared or reserved ranges), and the connection goes to
the address that was checked (no second lookup an attacker's DNS could answer differently).
Redirects are not followed. ``WEBHOOK_ALLOW_PRIVATE_TARGETS`` lifts the address rule for tests.

The active subscriptions are kept per process (``oms.lookups``), so an order's events do not read
them once each: a subscription saved or deleted is seen at once in the process that changed it and
within ``LOOKUP_CACHE_SECONDS`` in every other one.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oms import events, outbox
from oms.exceptions import DomainError
from oms.lookups import lookup_cache
from oms.models import (
    OutboxMessage,
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookSequence,
    WebhookSubscription,
)

logger = logging.getLogger(__name__)

ORDER_TRANSITION_EVENTS = (
    "order.confirmed",
    "order.allocated",
    "order.backordered",
    "order.held",
    "order.unheld",
    "order.released",
    "order.partially_shipped",
    "order.shipped",
    "order.delivered",
    "order.completed",
    "order.cancelled",
)

# The order's state after each transition, for the publishers that do not name it in the event
# (intake's confirmation, allocation): ``order.status_changed`` always carries ``data.state``.
STATE_AFTER = {
    "order.confirmed": "confirmed",
    "order.allocated": "allocated",
    "order.backordered": "backordered",
    "order.held": "on_hold",
    "order.released": "in_fulfillment",
    "order.partially_shipped": "partially_shipped",
    "order.shipped": "shipped",
    "order.delivered": "delivered",
    "order.completed": "completed",
    "order.cancelled": "cancelled",
}

# Internal event -> public event name. Documented in the README; add, never rename.
PUBLIC_EVENTS: dict[str, str] = {
    "order.placed": "order.created",
    **dict.fromkeys(ORDER_TRANSITION_EVENTS, "order.status_changed"),
    "order.payment_recorded": "payment.recorded",
    "order.payment_refunded": "payment.refunded",
    "shipment.shipped": "shipment.shipped",
    "shipment.delivered": "shipment.delivered",
    "shipment.exception_reported": "shipment.exception",
    "stock.changed": "stock.changed",
    "invoice.issued": "invoice.issued",
    "credit_note.issued": "credit_note.issued",
    "return.approved": "return.approved",
    "return.received": "return.received",
}

PUBLIC_EVENT_LABELS = {
    "order.created": gettext_lazy("Order created"),
    "order.status_changed": gettext_lazy("Order status changed"),
    "payment.recorded": gettext_lazy("Payment recorded"),
    "payment.refunded": gettext_lazy("Payment refunded"),
    "shipment.shipped": gettext_lazy("Shipment shipped"),
    "shipment.delivered": gettext_lazy("Shipment delivered"),
    "shipment.exception": gettext_lazy("Shipment delayed or in trouble"),
    "stock.changed": gettext_lazy("Stock changed"),
    "invoice.issued": gettext_lazy("Invoice issued"),
    "credit_note.issued": gettext_lazy("Credit note issued"),
    "return.approved": gettext_lazy("Return approved"),
    "return.received": gettext_lazy("Return received"),
}

SIGNATURE_HEADER = "X-OMS-Signature"
EXCERPT_LENGTH = 500


class WebhookError(DomainError):
    pass


class TargetRefused(WebhookError):
    """The URL is not one we post to (scheme, or an address inside our own network)."""


class DeliveryFailed(Exception):
    """The receiver did not take the delivery (no 2xx answer); the outbox tries again."""


def public_event_choices() -> list[tuple[str, Any]]:
    return [(name, PUBLIC_EVENT_LABELS[name]) for name in dict.fromkeys(PUBLIC_EVENTS.values())]


# -- signing ----------------------------------------------------------------------------------------


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The ``X-OMS-Signature`` value for ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


# -- recording, inside the transaction of the change -----------------------------------------------


def record(internal_event: str, payload: dict[str, Any]) -> list[WebhookDelivery]:
    """One delivery (and its outbox message) per active subscription to the public event of
    ``internal_event``. Runs in the publisher's transaction."""
    public = PUBLIC_EVENTS[internal_event]
    subscriptions = [s for s in active_subscriptions() if public in (s.events or [])]
    if not subscriptions:
        return []
    order_id = payload.get("order_id")
    data = {"internal_event": internal_event, **payload}
    if public == "order.status_changed" and "state" not in data and internal_event in STATE_AFTER:
        data["state"] = STATE_AFTER[internal_event]
    created = timezone.now()
    deliveries = []
    for subscription in subscriptions:
        delivery = WebhookDelivery(
            subscription=subscription,
            event=public,
            internal_event=internal_event,
            order_id=order_id if isinstance(order_id, int) else None,
            sequence=_next_sequence(subscription, f"order:{order_id}" if order_id else ""),
            created_at=created,
        )
        delivery.body = json.dumps(
            {
                "id": str(delivery.delivery_id),
                "event": public,
                "created_at": created.isoformat(),
                "sequence": delivery.sequence,
                "data": data,
            },
            separators=(",", ":"),
            sort_keys=True,
        )
        delivery.save(force_insert=True)
        outbox.enqueue("webhook", {"delivery_id": delivery.pk})
        deliveries.append(delivery)
    return deliveries


_subscriptions = lookup_cache("webhook subscriptions")


def active_subscriptions() -> tuple[WebhookSubscription, ...]:
    """Every active subscription (read-only: callers do not save what this returns)."""
    return _subscriptions.get("active", lambda: tuple(WebhookSubscription.objects.filter(active=True)))


@receiver([post_save, post_delete], sender=WebhookSubscription, dispatch_uid="oms.webhooks.forget")
def _forget_subscriptions(sender: type[WebhookSubscription], **kwargs: object) -> None:
    _subscriptions.forget("active")


def _next_sequence(subscription: WebhookSubscription, scope: str) -> int:
    """The next number of ``scope`` for ``subscription`` (an upsert: the row lock it takes orders
    concurrent transactions, so no number is handed out twice)."""
    table = connection.ops.quote_name(WebhookSequence._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (subscription_id, scope, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (subscription_id, scope) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [subscription.pk, scope],
        )
        return int(cursor.fetchone()[0])


def _subscriber(internal_event: str) -> events.Handler:
    def handler(payload: dict[str, Any]) -> None:
        record(internal_event, payload)

    handler.__qualname__ = f"record_webhooks[{internal_event}]"
    return handler


_handlers: dict[str, events.Handler] = {}


def register() -> None:
    """Subscribe to every internal event with a public name; from ``OmsConfig.ready()``."""
    for internal_event in PUBLIC_EVENTS:
        handler = _handlers.setdefault(internal_event, _subscriber(internal_event))
        events.subscribe_in_transaction(internal_event, handler)


# -- where we post: the SSRF guard -----------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str
    address: str  # the checked address the connection goes to


def _refuse_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def check_url(url: str, *, resolve: bool = True) -> Target:
    """The target of ``url`` if we may post to it; ``TargetRefused`` with the reason otherwise.

    With ``resolve=False`` (a form checking a URL offline) a name that does not resolve passes;
    the delivery checks again, resolving, before each POST."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise TargetRefused(_("This is not a valid URL.")) from None
    allowed = {"https"} if settings.WEBHOOK_REQUIRE_HTTPS else {"https", "http"}
    if parts.scheme not in allowed:
        raise TargetRefused(
            _("Webhook URLs must start with https://.")
            if settings.WEBHOOK_REQUIRE_HTTPS
            else _("Webhook URLs must start with http:// or https://.")
        )
    if not parts.hostname or parts.username or parts.password:
        raise TargetRefused(_("The URL needs a host name and no user name or password."))
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = sorted({info[4][0] for info in socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)})
    except (OSError, UnicodeError):
        if resolve:
            raise TargetRefused(_("The host name %(host)s cannot be resolved.") % {"host": parts.hostname}) from None
        addresses = []
    if not settings.WEBHOOK_ALLOW_PRIVATE_TARGETS and any(_refuse_address(a) for a in addresses):
        raise TargetRefused(_("Webhooks are never sent to addresses inside our own network."))
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(parts.scheme, parts.hostname, port, path, addresses[0] if addresses else "")


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, target: Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = target.address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # certificate of the name


@dataclass(frozen=True)
class Answer:
    status: int
    excerpt: str


def post(url: str, body: bytes, headers: dict[str, str]) -> Answer:
    """POST ``body`` to ``url`` once (the checked address, no redirects, ``WEBHOOK_TIMEOUT_SECONDS``)."""
    target = check_url(url)
    connection_class = _PinnedHTTPSConnection if target.scheme == "https" else _PinnedHTTPConnection
    conn = connection_class(target, timeout=settings.WEBHOOK_TIMEOUT_SECONDS)
    try:
        conn.request("POST", target.path, body=body, headers=headers)
        response = conn.getresponse()
        excerpt = response.read(EXCERPT_LENGTH * 4).decode("utf-8", "replace")[:EXCERPT_LENGTH]
        return Answer(response.status, excerpt)
    finally:
        conn.close()


# -- delivering, in a worker ---------------------------------------------------------------------------


def deliver_webhook(message: OutboxMessage) -> None:
    """Outbox handler: POST one delivery unless it was delivered; log the attempt; raise when the
    receiver did not take it (the outbox tries again later, or gives up at its limit)."""
    delivery = (
        WebhookDelivery.objects.select_for_update(of=("self",))
        .select_related("subscription")
        .get(pk=message.payload["delivery_id"])
    )
    if delivery.status == WebhookDeliveryStatus.DELIVERED:
        return
    subscription = delivery.subscription
    body = delivery.body.encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "OMS-Webhooks/1",
        "X-OMS-Event": delivery.event,
        "X-OMS-Delivery": str(delivery.delivery_id),
        "X-OMS-Sequence": str(delivery.sequence),
        SIGNATURE_HEADER: signature(subscription.secret, timestamp, body),
    }
    started = time.monotonic()
    answer, error = None, ""
    try:
        answer = post(subscription.url, body, headers)
    except TargetRefused as exc:
        error = str(exc)
    except (OSError, http.client.HTTPException) as exc:  # refused, reset, timed out, TLS
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    duration_ms = int((time.monotonic() - started) * 1000)
    taken = answer is not None and 200 <= answer.status < 300
    with transaction.atomic():
        WebhookAttempt.objects.create(
            delivery=delivery,
            status_code=answer.status if answer else None,
            duration_ms=duration_ms,
            response_excerpt=answer.excerpt if answer else "",
            error=error[:500],
        )
        delivery.attempts += 1
        delivery.last_status_code = answer.status if answer else None
        delivery.last_error = "" if taken else (error or f"HTTP {answer.status}")[:2000]
        if taken:
            delivery.status = WebhookDeliveryStatus.DELIVERED
            delivery.delivered_at = timezone.now()
        elif message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            delivery.status = WebhookDeliveryStatus.FAILED
        delivery.save(update_fields=["attempts", "last_status_code", "last_error", "status", "delivered_at"])
    if not taken:
        raise DeliveryFailed(delivery.last_error)


@transaction.atomic
def replay(delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again by hand (same id and sequence: a receiver that has it drops it)."""
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status == WebhookDeliveryStatus.PENDING:
        raise WebhookError(_("This delivery is still on its way; wait for it to arrive or to fail."))
    delivery.status = WebhookDeliveryStatus.PENDING
    delivery.save(update_fields=["status"])
    outbox.enqueue("webhook", {"delivery_id": delivery.pk})
    return delivery


outbox.register_handler("webhook", deliver_webhook)
