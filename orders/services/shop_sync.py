"""Shop sync: a channel's shop and the OMS kept in step, through the shop's own API.

**Orders in.** ``pull_orders`` reads the orders the shop changed since the last pull (its
connector, ``orders.shops``) and takes each in through ``orders.services.intake.place_order``,
the service the API, the webhooks and the CSV import end in. The shop's order id is the order's
``external_id``: a repeat (the pull's overlap, a second pull, the same order by webhook) finds
the order there and creates nothing, also when two pulls race (intake's unique constraint
decides). A known order the shop now reports paid gets its capture, once. An order that cannot be
taken in (an unknown SKU) is recorded as a ``ShopOrderFailure`` and tried again by every later
pull, without holding up the others. One pull per shop at a time: a lease on the connection row
(``pull_started_at``), renewed with the cursor after each page, taken over when its worker died.
A shop that does not answer, refuses or rate-limits us puts the next pull off (the outbox's
backoff, or the shop's ``Retry-After``); staff see the state, every run that did something and
every order not taken in in the admin (Shop connections).

**Back to the shop**, through the outbox (retried with its backoff, visible in its admin):
- a shipment's carrier and tracking number, enqueued by fulfillment in its shipping transaction
  (``push_shipment``), and the shop order completed once everything has shipped;
- a cancellation (``order.cancelled``, in the cancelling transaction);
- the channel's available-to-promise stock per SKU, after its buffer: ``stock.changed`` marks the
  products (``ShopStockMark``), a minute task turns the marks into one push per shop, and an
  hourly full sync compares every product of the shop (only changed quantities are written).
The quantities are read when the push is delivered, so a late retry never sends a stale number.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory.selectors import available_to_promise
from oms import outbox
from oms.exceptions import DomainError
from oms.lookups import lookup_cache
from oms.models import OutboxMessage
from orders.exceptions import OrderValidationError
from orders.models import (
    Channel,
    Order,
    OrderLine,
    OrderState,
    PaymentTransaction,
    ShopConnection,
    ShopOrderFailure,
    ShopStockMark,
    ShopSyncKind,
    ShopSyncOutcome,
    ShopSyncRun,
    TransactionKind,
)
from orders.services.intake import place_order
from orders.services.payments import record_payment
from orders.shops import CONNECTORS, connector_for
from orders.shops.base import ShipmentPush, ShopConnector, ShopOrder
from orders.shops.http import ShopApiError, ShopRateLimited
from orders.webhooks.errors import WebhookError

logger = logging.getLogger(__name__)

SHIPMENT_KIND = "shop_shipment"
STATUS_KIND = "shop_status"
STOCK_KIND = "shop_stock"


# -- the connections, kept per process -----------------------------------------------------------

_connections = lookup_cache("shop connections")


def active_connections() -> tuple[ShopConnection, ...]:
    """Every active connection whose platform has a connector (read-only)."""
    return _connections.get(
        "active",
        lambda: tuple(ShopConnection.objects.filter(active=True, kind__in=list(CONNECTORS)).select_related("channel")),
    )


def connection_of_channel(channel_id: int) -> ShopConnection | None:
    return next((c for c in active_connections() if c.channel_id == channel_id), None)


@receiver([post_save, post_delete], sender=ShopConnection, dispatch_uid="orders.shop_sync.forget")
@receiver([post_save, post_delete], sender=Channel, dispatch_uid="orders.shop_sync.forget_channel")
def _forget_connections(sender: type, **kwargs: object) -> None:
    _connections.forget("active")


# -- orders in -------------------------------------------------------------------------------------


@dataclass
class PullCounts:
    fetched: int = 0
    created: int = 0
    updated: int = 0
    duplicates: int = 0
    refused: int = 0

    @property
    def anything(self) -> bool:
        """Whether the pull changed or refused something (re-reading known orders is nothing)."""
        return bool(self.created or self.updated or self.refused)


def due_connections(*, now: datetime.datetime | None = None) -> list[int]:
    """The connections whose next pull is due: active, pulling, not put off, not pulled within
    ``SHOP_PULL_INTERVAL_SECONDS``, no live pull running."""
    now = now or timezone.now()
    interval = now - datetime.timedelta(seconds=settings.SHOP_PULL_INTERVAL_SECONDS)
    stale = now - datetime.timedelta(seconds=settings.SHOP_PULL_LEASE_SECONDS)
    return list(
        ShopConnection.objects.filter(active=True, pull_orders=True, kind__in=list(CONNECTORS))
        .filter(Q(next_pull_at__isnull=True) | Q(next_pull_at__lte=now))
        .filter(Q(last_pull_at__isnull=True) | Q(last_pull_at__lte=interval))
        .filter(Q(pull_started_at__isnull=True) | Q(pull_started_at__lt=stale))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _claim(connection_id: int) -> datetime.datetime | None:
    """Take the pull lease of the connection; its time is the claim's token (None: another pull
    holds it). One conditional UPDATE, so of two pulls that ask at once exactly one wins."""
    now = timezone.now()
    stale = now - datetime.timedelta(seconds=settings.SHOP_PULL_LEASE_SECONDS)
    claimed = (
        ShopConnection.objects.filter(pk=connection_id, active=True, pull_orders=True)
        .filter(Q(pull_started_at__isnull=True) | Q(pull_started_at__lt=stale))
        .update(pull_started_at=now)
    )
    return now if claimed else None


def _renew(connection_id: int, token: datetime.datetime, cursor: str) -> datetime.datetime | None:
    """Save the cursor and renew the lease; None when another pull took the lease over."""
    now = timezone.now()
    kept = ShopConnection.objects.filter(pk=connection_id, pull_started_at=token).update(
        pull_started_at=now, pull_cursor=cursor
    )
    return now if kept else None


def pull_orders(*, connection_id: int) -> ShopSyncRun | None:
    """Pull the shop's changed orders into intake (see the module docstring). Returns the run
    recorded (None when another pull holds the shop, or nothing happened)."""
    token = _claim(connection_id)
    if token is None:
        return None
    connection = ShopConnection.objects.select_related("channel").get(pk=connection_id)
    connector = connector_for(connection)
    started = timezone.now()
    counts = PullCounts()
    outcome, message, retry_after = ShopSyncOutcome.OK, "", None
    lease = _Lease(token=token, cursor=connection.pull_cursor)
    try:
        if connector is None:
            raise ShopApiError(
                _("No connector speaks the shop system “%(kind)s” of this connection.")
                % {"kind": connection.get_kind_display()}
            )
        lease.cursor = lease.cursor or connector.initial_cursor(connection.pull_since)
        _retry_failures(connection, connector, counts)
        _pull_pages(connection, connector, counts, lease)
    except ShopRateLimited as exc:
        outcome, message, retry_after = ShopSyncOutcome.RATE_LIMITED, str(exc), exc.retry_after
    except ShopApiError as exc:
        outcome, message = ShopSyncOutcome.FAILED, str(exc)
    except _LeaseLost:
        outcome, message = ShopSyncOutcome.PARTLY, _("Another pull took over this shop.")
    except BaseException:
        # Not the shop's doing (a bug, the database gone): give the shop back at once, keep the place.
        ShopConnection.objects.filter(pk=connection_id, pull_started_at=lease.token).update(pull_started_at=None)
        raise
    if outcome == ShopSyncOutcome.OK and counts.refused:
        outcome = ShopSyncOutcome.PARTLY
        message = _("%(count)s order(s) could not be taken in; see the shop orders not taken in.") % {
            "count": counts.refused
        }
    return _finish(connection, lease.token, lease.cursor, counts, started, outcome, message, retry_after)


@dataclass
class _Lease:
    """A running pull's hold on its shop (the claim's time, renewed per page) and its place."""

    token: datetime.datetime
    cursor: str


class _LeaseLost(Exception):
    pass


def _pull_pages(connection: ShopConnection, connector: ShopConnector, counts: PullCounts, lease: _Lease) -> None:
    """Read pages of changed orders until the shop has no more (at most ``SHOP_PULL_MAX_PAGES``),
    taking each order in; after each page the cursor is saved and the lease renewed."""
    seen: set[str] = set()
    page = 1
    for _i in range(settings.SHOP_PULL_MAX_PAGES):
        result = connector.orders_changed(lease.cursor, page=page)
        fresh = [o for o in result.orders if o.external_id not in seen]
        for shop_order in fresh:
            seen.add(shop_order.external_id)
            counts.fetched += 1
            _take_in(connection, connector, shop_order, counts)
        if result.cursor != lease.cursor:
            lease.cursor, page = result.cursor, 1
        elif result.more:
            page += 1  # a whole page changed within the cursor's second: read on in it
        renewed = _renew(connection.pk, lease.token, lease.cursor)
        if renewed is None:
            raise _LeaseLost()
        lease.token = renewed
        if not result.more:
            break


def _take_in(connection: ShopConnection, connector: ShopConnector, shop_order: ShopOrder, counts: PullCounts) -> None:
    """One shop order into intake, or recorded as not taken in; never raises for the order's
    content (the next order goes on)."""
    if not connector.takes_in(shop_order):
        return
    channel = connection.channel
    existing = Order.objects.filter(channel=channel, external_id=shop_order.external_id).first()
    if existing is not None:
        if connector.is_paid(shop_order) and record_shop_capture(
            order=existing, source=connector.actor_label, external_id=shop_order.external_id
        ):
            counts.updated += 1
        else:
            counts.duplicates += 1
        _resolve_failure(connection, shop_order.external_id, existing)
        return
    try:
        draft = connector.draft(shop_order)
        result = place_order(channel=channel, draft=draft, actor_label=connector.actor_label)
    except OrderValidationError as exc:
        _record_failure(connection, shop_order.external_id, _describe(exc))
        counts.refused += 1
        return
    except (DomainError, WebhookError, ValueError) as exc:
        # A business rule (DomainError) or the mapping (PayloadError: a field missing or unusable).
        _record_failure(connection, shop_order.external_id, str(exc))
        counts.refused += 1
        return
    if result.created:
        counts.created += 1
    else:
        counts.duplicates += 1
    _resolve_failure(connection, shop_order.external_id, result.order)


def _describe(exc: OrderValidationError) -> str:
    details = "; ".join(f"{field}: {' '.join(str(m) for m in messages)}" for field, messages in exc.errors.items())
    return f"{exc.message} {details}".strip()[:2000]


def _record_failure(connection: ShopConnection, external_id: str, error: str) -> None:
    now = timezone.now()
    failure, created = ShopOrderFailure.objects.get_or_create(
        connection=connection, external_id=external_id, defaults={"error": error[:2000]}
    )
    if not created:
        failure.attempts += 1
        failure.error = error[:2000]
        failure.last_tried_at = now
        failure.resolved_at = None
        failure.save(update_fields=["attempts", "error", "last_tried_at", "resolved_at"])
    logger.warning("Shop order %s of %s not taken in: %s", external_id, connection.channel.code, error[:200])


def _resolve_failure(connection: ShopConnection, external_id: str, order: Order) -> None:
    ShopOrderFailure.objects.filter(connection=connection, external_id=external_id, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), order=order
    )


def _retry_failures(connection: ShopConnection, connector: ShopConnector, counts: PullCounts) -> None:
    failures = ShopOrderFailure.objects.filter(
        connection=connection, resolved_at__isnull=True, attempts__lt=settings.SHOP_ORDER_MAX_ATTEMPTS
    ).order_by("first_failed_at")[:50]
    for failure in failures:
        shop_order = connector.order(failure.external_id)
        if shop_order is None:
            _record_failure(connection, failure.external_id, _("The shop has this order no more."))
            continue
        counts.fetched += 1
        _take_in(connection, connector, shop_order, counts)


def record_shop_capture(*, order: Order, source: str, external_id: str) -> bool:
    """The shop reports a known order paid: record a capture of its total unless one is recorded
    (which confirms a pending order). True when it recorded one."""
    if order.total <= 0 or PaymentTransaction.objects.filter(order=order, kind=TransactionKind.CAPTURE).exists():
        return False
    record_payment(
        order=order,
        kind=TransactionKind.CAPTURE,
        amount=order.total,
        provider=order.channel.code,
        provider_reference=f"{source}:{external_id}",
        actor_label=source,
    )
    return True


def _finish(
    connection: ShopConnection,
    token: datetime.datetime,
    cursor: str,
    counts: PullCounts,
    started: datetime.datetime,
    outcome: str,
    message: str,
    retry_after: int | None,
) -> ShopSyncRun | None:
    """Write the connection's state, give the lease back, record the run when it did something
    or failed."""
    now = timezone.now()
    failed = outcome in (ShopSyncOutcome.FAILED, ShopSyncOutcome.RATE_LIMITED)
    failures = connection.failures + 1 if failed else 0
    if retry_after is not None:
        next_pull: datetime.datetime | None = now + datetime.timedelta(seconds=retry_after)
    elif failed:
        next_pull = now + outbox.backoff(failures)
    else:
        next_pull = None
    values: dict[str, Any] = {
        "pull_started_at": None,
        "pull_cursor": cursor,
        "last_pull_at": now,
        "failures": failures,
        "next_pull_at": next_pull,
        "last_error": message if failed else "",
        "orders_taken_in": F("orders_taken_in") + counts.created,
    }
    if not failed:
        values["last_success_at"] = now
    with transaction.atomic():
        # Only while the lease is ours: a pull that took over writes the state itself.
        if not ShopConnection.objects.filter(pk=connection.pk, pull_started_at=token).update(**values):
            ShopConnection.objects.filter(pk=connection.pk).update(
                orders_taken_in=F("orders_taken_in") + counts.created
            )
        if not counts.anything and outcome == ShopSyncOutcome.OK:
            return None
        return ShopSyncRun.objects.create(
            connection=connection,
            kind=ShopSyncKind.PULL,
            outcome=outcome,
            started_at=started,
            finished_at=now,
            fetched=counts.fetched,
            created=counts.created,
            updated=counts.updated,
            duplicates=counts.duplicates,
            refused=counts.refused,
            message=message[:2000],
        )


# -- back to the shop: shipments and status ---------------------------------------------------------


def push_shipment(
    *,
    order: Order,
    reference: str,
    carrier: str,
    tracking_number: str,
    tracking_url: str,
    quantities: dict[int, int],
) -> OutboxMessage | None:
    """Enqueue the shipment for the shop order ``order`` came from, in the caller's (shipping)
    transaction; nothing when its channel has no shop connection pushing shipments, or the order
    has no shop order id. ``quantities``: units per order line in the shipment."""
    connection = connection_of_channel(order.channel_id)
    if connection is None or not connection.push_shipments or not order.external_id:
        return None
    skus = dict(OrderLine.objects.filter(pk__in=list(quantities)).values_list("pk", "sku"))
    lines: dict[str, int] = {}
    for line_id, units in quantities.items():
        sku = skus.get(line_id)
        if sku:
            lines[sku] = lines.get(sku, 0) + units
    return outbox.enqueue(
        SHIPMENT_KIND,
        {
            "connection_id": connection.pk,
            "order_id": order.pk,
            "external_id": order.external_id,
            "reference": reference,
            "carrier": carrier,
            "tracking_number": tracking_number,
            "tracking_url": tracking_url,
            "shipped_on": timezone.localdate().isoformat(),
            "lines": lines,
            "in_full": order.state in (OrderState.SHIPPED, OrderState.DELIVERED),
        },
    )


def on_order_cancelled(payload: dict[str, Any]) -> None:
    """``order.cancelled`` (in the cancelling transaction): the shop order is cancelled too."""
    connection = connection_of_channel(payload.get("channel_id") or 0)
    if connection is None or not connection.push_shipments:
        return
    external_id = Order.objects.filter(pk=payload["order_id"]).values_list("external_id", flat=True).first()
    if not external_id:
        return
    outbox.enqueue(
        STATUS_KIND,
        {
            "connection_id": connection.pk,
            "order_id": payload["order_id"],
            "external_id": external_id,
            "status": "cancelled",
        },
    )


def _connection_and_connector(connection_id: int) -> tuple[ShopConnection, ShopConnector]:
    connection = ShopConnection.objects.select_related("channel").get(pk=connection_id)
    connector = connector_for(connection)
    if connector is None:
        raise ShopApiError(
            _("No connector speaks the shop system of channel %(channel)s.") % {"channel": connection.channel}
        )
    return connection, connector


def _record_push(
    connection: ShopConnection,
    kind: str,
    started: datetime.datetime,
    *,
    error: str = "",
    items: int = 0,
    note: str = "",
) -> None:
    with transaction.atomic():  # a savepoint of its own inside the outbox delivery
        ShopSyncRun.objects.create(
            connection=connection,
            kind=kind,
            outcome=ShopSyncOutcome.FAILED if error else ShopSyncOutcome.OK,
            started_at=started,
            finished_at=timezone.now(),
            items=items,
            message=(error or note)[:2000],
        )


def deliver_shipment(message: OutboxMessage) -> None:
    """Outbox handler of ``shop_shipment``: push it, record the run; raise when the shop did not
    take it (the outbox tries again)."""
    payload = message.payload
    connection, connector = _connection_and_connector(payload["connection_id"])
    started = timezone.now()
    push = ShipmentPush(
        external_id=payload["external_id"],
        reference=payload["reference"],
        carrier=payload["carrier"],
        tracking_number=payload["tracking_number"],
        tracking_url=payload["tracking_url"],
        shipped_on=datetime.date.fromisoformat(payload["shipped_on"]),
        lines=payload["lines"],
        order_shipped_in_full=payload["in_full"],
    )
    note = _("Shipment %(reference)s of shop order %(id)s, tracking number %(number)s") % {
        "reference": push.reference,
        "id": push.external_id,
        "number": push.tracking_number or "-",
    }
    try:
        connector.push_shipment(push)
    except ShopApiError as exc:
        _record_push(connection, ShopSyncKind.SHIPMENT, started, error=f"{note}: {exc}")
        raise
    _record_push(connection, ShopSyncKind.SHIPMENT, started, items=1, note=note)


def deliver_status(message: OutboxMessage) -> None:
    """Outbox handler of ``shop_status`` (a cancellation)."""
    payload = message.payload
    connection, connector = _connection_and_connector(payload["connection_id"])
    started = timezone.now()
    note = _("Shop order %(id)s cancelled") % {"id": payload["external_id"]}
    try:
        connector.push_cancellation(payload["external_id"])
    except ShopApiError as exc:
        _record_push(connection, ShopSyncKind.STATUS, started, error=f"{note}: {exc}")
        raise
    _record_push(connection, ShopSyncKind.STATUS, started, items=1, note=note)


# -- back to the shop: stock ------------------------------------------------------------------------


def mark_stock_changed(payload: dict[str, Any]) -> None:
    """``stock.changed`` (after commit): mark its products for every shop that takes our stock."""
    product_ids = payload.get("product_ids") or []
    connections = [c for c in active_connections() if c.push_stock]
    if not product_ids or not connections:
        return
    ShopStockMark.objects.bulk_create(
        [ShopStockMark(connection_id=c.pk, product_id=p) for c in connections for p in product_ids],
        ignore_conflicts=True,
    )


def push_marked_stock(*, limit: int = 1000) -> int:
    """Turn each shop's marks into one ``shop_stock`` push (taking the marks in the same
    transaction, so two runs never push the same mark twice). Returns the pushes enqueued."""
    enqueued = 0
    for connection in active_connections():
        if not connection.push_stock:
            continue
        with transaction.atomic():
            marks = list(
                ShopStockMark.objects.select_for_update(skip_locked=True)
                .filter(connection_id=connection.pk)
                .order_by("product_id")
                .values_list("pk", "product_id")[:limit]
            )
            if not marks:
                continue
            ShopStockMark.objects.filter(pk__in=[pk for pk, _p in marks]).delete()
            outbox.enqueue(STOCK_KIND, {"connection_id": connection.pk, "product_ids": [p for _pk, p in marks]})
            enqueued += 1
    return enqueued


def sync_all_stock(*, connection_ids: list[int] | None = None) -> int:
    """Enqueue a full stock sync for every shop that takes our stock (hourly, the net under the
    pushes of marked products), or for the shops ``connection_ids``."""
    enqueued = 0
    with transaction.atomic():
        for connection in active_connections():
            if connection.push_stock and (connection_ids is None or connection.pk in connection_ids):
                outbox.enqueue(STOCK_KIND, {"connection_id": connection.pk, "all": True})
                enqueued += 1
    return enqueued


def deliver_stock(message: OutboxMessage) -> None:
    """Outbox handler of ``shop_stock``: the channel's available-to-promise of the products (or,
    with ``all``, of every product the shop has), written where the shop's quantity differs."""
    payload = message.payload
    connection, connector = _connection_and_connector(payload["connection_id"])
    started = timezone.now()
    channel_code = connection.channel.code
    try:
        if payload.get("all"):
            items = list(connector.stock_items(None))
            ours = available_to_promise(skus=[i.sku for i in items], channel_code=channel_code)
        else:
            ours = available_to_promise(product_ids=payload.get("product_ids") or [], channel_code=channel_code)
            items = list(connector.stock_items([a.sku for a in ours])) if ours else []
        quantities = {a.sku: a.available_to_promise for a in ours}
        updates = [(i, quantities[i.sku]) for i in items if i.sku in quantities and i.quantity != quantities[i.sku]]
        if updates:
            connector.set_stock(updates)
    except ShopApiError as exc:
        _record_push(connection, ShopSyncKind.STOCK, started, error=str(exc))
        raise
    ShopConnection.objects.filter(pk=connection.pk).update(last_stock_push_at=timezone.now())
    if updates or payload.get("all"):
        _record_push(
            connection,
            ShopSyncKind.STOCK,
            started,
            items=len(updates),
            note=_("%(changed)s of %(read)s products changed") % {"changed": len(updates), "read": len(items)},
        )


def register() -> None:
    """Outbox handlers; from ``OrdersConfig.ready()``."""
    outbox.register_handler(SHIPMENT_KIND, deliver_shipment)
    outbox.register_handler(STATUS_KIND, deliver_status)
    outbox.register_handler(STOCK_KIND, deliver_stock)
