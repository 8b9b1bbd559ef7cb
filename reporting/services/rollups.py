"""Keeping the rollups (``reporting.models``) equal to what the stored rows say.

``refresh_rollups`` reads the rows changed past the watermark (order timeline events, orders,
shipments, ratings, return events and received units, refunds, credit notes), recomputes the
facts (order, lines, returns) and state spans of every order they touch and the daily sums
of every day those orders fall on, and advances the watermark, all in one transaction: a
refresh that dies changes nothing and the next one does the same work again. Every refresh
re-reads ``REPORTING_WATERMARK_OVERLAP_SECONDS`` before the watermark, because a transaction
that commits late carries timestamps from before the previous refresh; recomputing an order
twice gives the same rows, so the overlap costs time, never correctness.

``rebuild_rollups`` recomputes everything from scratch (``manage.py rebuild_rollups``). A
refresh and a rebuild never run at once: both hold the watermark row's lock.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from billing.models import ISSUED_STATES, CreditNote, Invoice, InvoicePayment
from fulfillment.models import PickLine, Shipment, ShipmentState
from inventory.models import Warehouse
from orders.models import (
    Allocation,
    Order,
    OrderEvent,
    OrderLine,
    OrderRating,
    OrderState,
    PaymentTransaction,
    TransactionKind,
)
from reporting.models import (
    DailyFinance,
    DailyProductSales,
    DailySales,
    LineFact,
    OrderFact,
    ReturnFact,
    StateSpan,
    Watermark,
)
from returns.models import ReturnEvent, ReturnLine, ReturnRequest, ReturnUnit, Withdrawal

WATERMARK = "orders"
CHUNK = 1000
_ORDER_STATES = frozenset(OrderState.values)
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class RefreshResult:
    orders: int
    days: int
    position: datetime.datetime | None
    busy: bool = False
    more: bool = False


def _seconds(start: datetime.datetime | None, end: datetime.datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return max(0, int((end - start).total_seconds()))


def _local_day(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date()


@dataclass
class Facts:
    orders: list[OrderFact]
    spans: list[StateSpan]
    lines: list[LineFact]
    returns: list[ReturnFact]


def compute_facts(order_ids: Sequence[int]) -> Facts:
    """The fact rows (orders, lines, returns) and state spans of these orders, from their stored
    rows (a few queries for the whole batch, whatever its size)."""
    ids = list(order_ids)
    orders = list(Order.objects.filter(pk__in=ids).order_by("pk"))
    units: dict[int, int] = defaultdict(int)
    lines = list(
        OrderLine.objects.filter(order_id__in=ids)
        .order_by("pk")
        .values_list(
            "pk",
            "order_id",
            "sku",
            "name",
            "product__category_id",
            "quantity",
            "quantity_cancelled",
            "quantity_shipped",
            "quantity_returned",
        )
    )
    for _pk, order_id, _sku, _name, _category, quantity, cancelled, _shipped, _returned in lines:
        units[order_id] += quantity - cancelled
    # The order's warehouse: the one of its first shipment, else the first its routing chose
    # (kept when a cancellation drops the allocations), else that of its first allocation.
    warehouse_of: dict[int, int] = {}
    picked_at: dict[int, datetime.datetime] = {}
    for order_id, warehouse_id, state, picked in (
        Shipment.objects.filter(order_id__in=ids)
        .order_by("order_id", "pk")
        .values_list("order_id", "warehouse_id", "state", "picked_at")
    ):
        warehouse_of.setdefault(order_id, warehouse_id)
        if picked is not None and state != ShipmentState.CANCELLED:
            picked_at[order_id] = max(picked_at.get(order_id, picked), picked)
    for order in orders:
        routed = (order.routing or {}).get("warehouse_ids") or []
        if order.pk not in warehouse_of and routed and isinstance(routed[0], int):
            warehouse_of[order.pk] = routed[0]
    missing = [pk for pk in ids if pk not in warehouse_of]
    if missing:
        for order_id, warehouse_id in (
            Allocation.objects.filter(order_line__order_id__in=missing)
            .order_by("order_line__order_id", "pk")
            .values_list("order_line__order_id", "warehouse_id")
        ):
            warehouse_of.setdefault(order_id, warehouse_id)
    cutoffs = dict(Warehouse.objects.filter(pk__in=set(warehouse_of.values())).values_list("pk", "shipping_cutoff"))
    short: dict[int, int] = dict(
        PickLine.objects.filter(shipment_line__shipment__order_id__in=ids, quantity_short__gt=0)
        .values("shipment_line__shipment__order_id")
        .annotate(short=Sum("quantity_short"))
        .values_list("shipment_line__shipment__order_id", "short")
    )
    transitions: dict[int, list[tuple[str, datetime.datetime]]] = defaultdict(list)
    for order_id, to_state, at in (
        OrderEvent.objects.filter(order_id__in=ids)
        .exclude(to_state="")
        .order_by("order_id", "created_at", "pk")
        .values_list("order_id", "to_state", "created_at")
    ):
        if to_state in _ORDER_STATES:
            transitions[order_id].append((to_state, at))

    ratings = {
        order_id: (stars, created)
        for order_id, stars, created in OrderRating.objects.filter(order_id__in=ids).values_list(
            "order_id", "stars", "created_at"
        )
    }

    facts: list[OrderFact] = []
    spans: list[StateSpan] = []
    for order in orders:
        cancelled = order.state == OrderState.CANCELLED
        warehouse_id = warehouse_of.get(order.pk)
        gross = ZERO if cancelled else order.total - order.gift_card_total
        fact = OrderFact(
            order_id=order.pk,
            day=_local_day(order.placed_at),
            channel_id=order.channel_id,
            warehouse_id=warehouse_id,
            country=order.shipping_country,
            currency=order.currency,
            state=order.state,
            cancelled=cancelled,
            units=0 if cancelled else units.get(order.pk, 0),
            gross=gross,
            net=ZERO if cancelled else gross - order.vat_total,
            placed_at=order.placed_at,
            confirmed_at=order.confirmed_at,
            allocated_at=order.allocated_at,
            released_at=order.released_at,
            picked_at=picked_at.get(order.pk),
            shipped_at=order.shipped_at,
            delivered_at=order.delivered_at,
            promised_ship_date=order.promised_ship_date,
            short_units=short.get(order.pk, 0),
        )
        if order.shipped_at is not None and order.promised_ship_date is not None:
            fact.shipped_on_time = _local_day(order.shipped_at) <= order.promised_ship_date
            cutoff = cutoffs.get(warehouse_id) or datetime.time(14, 0)
            deadline = datetime.datetime.combine(
                order.promised_ship_date, cutoff, tzinfo=timezone.get_current_timezone()
            )
            fact.shipped_before_cutoff = order.shipped_at <= deadline
        fact.to_confirm = _seconds(order.placed_at, order.confirmed_at)
        fact.to_allocate = _seconds(order.confirmed_at, order.allocated_at)
        fact.to_release = _seconds(order.allocated_at, order.released_at)
        fact.to_pick = _seconds(order.released_at, fact.picked_at)
        fact.to_ship = _seconds(fact.picked_at, order.shipped_at)
        fact.to_deliver = _seconds(order.shipped_at, order.delivered_at)
        fact.placed_to_shipped = _seconds(order.placed_at, order.shipped_at)
        fact.placed_to_delivered = _seconds(order.placed_at, order.delivered_at)
        fact.rating, fact.rated_at = ratings.get(order.pk, (None, None))
        facts.append(fact)
        spans.extend(_spans(order, fact, transitions.get(order.pk, [])))
    by_order = {fact.order_id: fact for fact in facts}
    line_facts = [
        LineFact(
            order_line_id=pk,
            order_id=order_id,
            day=by_order[order_id].day,
            channel_id=by_order[order_id].channel_id,
            warehouse_id=by_order[order_id].warehouse_id,
            country=by_order[order_id].country,
            sku=sku,
            name=name,
            category_id=category,
            units=0 if by_order[order_id].cancelled else quantity - cancelled,
            units_shipped=shipped,
            units_returned=returned,
        )
        for pk, order_id, sku, name, category, quantity, cancelled, shipped, returned in lines
        if order_id in by_order
    ]
    return Facts(facts, spans, line_facts, _return_facts(ids, by_order))


def _return_facts(ids: list[int], by_order: dict[int, OrderFact]) -> list[ReturnFact]:
    """One row per return request of these orders: its units, the money credited and paid back
    for it (billing keys both by ``return:<id>``: the refund's token, the credit notes' source
    prefix) and the time from declaration to refund."""
    requests = list(
        ReturnRequest.objects.filter(order_id__in=ids)
        .order_by("pk")
        .values("pk", "order_id", "reason", "state", "currency", "created_at")
    )
    if not requests:
        return []
    request_ids = [r["pk"] for r in requests]
    units: dict[int, tuple[int, int]] = {
        row["request_id"]: (row["u"] or 0, row["r"] or 0)
        for row in ReturnLine.objects.filter(request_id__in=request_ids)
        .values("request_id")
        .annotate(u=Sum("quantity"), r=Sum("quantity_received"))
        .order_by()
    }
    declared = dict(
        Withdrawal.objects.filter(return_request_id__in=request_ids)
        .values("return_request_id")
        .annotate(first=Min("declared_at"))
        .values_list("return_request_id", "first")
        .order_by()
    )
    tokens = {f"return:{pk}": pk for pk in request_ids}
    refunded: dict[int, Decimal] = defaultdict(lambda: ZERO)
    refunded_at: dict[int, datetime.datetime] = {}
    for token, amount, created in (
        PaymentTransaction.objects.filter(order_id__in=ids, kind=TransactionKind.REFUND, data__token__in=list(tokens))
        .order_by("created_at", "pk")
        .values_list("data__token", "amount", "created_at")
    ):
        pk = tokens[token]
        refunded[pk] += amount
        refunded_at.setdefault(pk, created)
    # A return's credit notes are sourced ``return:<id>#<n>`` (one per invoice it credits).
    credited: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for source, total in CreditNote.objects.filter(order_id__in=ids, source__startswith="return:").values_list(
        "source", "total"
    ):
        pk = tokens.get(source.split("#", 1)[0])
        if pk is not None:
            credited[pk] += total
    out = []
    for r in requests:
        fact = by_order.get(r["order_id"])
        if fact is None:
            continue
        pk = r["pk"]
        declared_at = declared.get(pk) or r["created_at"]
        requested, received = units.get(pk, (0, 0))
        out.append(
            ReturnFact(
                return_request_id=pk,
                order_id=r["order_id"],
                day=fact.day,
                channel_id=fact.channel_id,
                warehouse_id=fact.warehouse_id,
                country=fact.country,
                reason=r["reason"],
                state=r["state"],
                currency=r["currency"],
                units=requested,
                units_received=received,
                credited=credited.get(pk, ZERO),
                refunded=refunded.get(pk, ZERO),
                declared_at=declared_at,
                refunded_at=refunded_at.get(pk),
                refund_seconds=_seconds(declared_at, refunded_at.get(pk)),
            )
        )
    return out


def _spans(order: Order, fact: OrderFact, moves: Iterable[tuple[str, datetime.datetime]]) -> list[StateSpan]:
    """The order's time in each state: it enters ``pending`` when placed, then each transition
    event closes the state it was in and opens the next."""

    def span(state: str, entered: datetime.datetime) -> StateSpan:
        return StateSpan(
            order_id=order.pk,
            state=state,
            entered_at=entered,
            day=_local_day(entered),
            channel_id=fact.channel_id,
            warehouse_id=fact.warehouse_id,
            country=fact.country,
        )

    current = span(OrderState.PENDING, order.placed_at)
    spans = [current]
    for state, at in moves:
        if state == current.state:
            continue
        at = max(at, current.entered_at)
        current.left_at = at
        current.seconds = _seconds(current.entered_at, at)
        current = span(state, at)
        spans.append(current)
    return spans


def _store_orders(order_ids: Sequence[int]) -> set[datetime.date]:
    """Replace the facts and spans of these orders; the days whose sums must be recomputed."""
    ids = list(order_ids)
    days = set(OrderFact.objects.filter(order_id__in=ids).values_list("day", flat=True))
    facts = compute_facts(ids)
    for model in (OrderFact, StateSpan, LineFact, ReturnFact):
        model.objects.filter(order_id__in=ids).delete()
    OrderFact.objects.bulk_create(facts.orders, batch_size=CHUNK)
    StateSpan.objects.bulk_create(facts.spans, batch_size=CHUNK)
    LineFact.objects.bulk_create(facts.lines, batch_size=CHUNK)
    ReturnFact.objects.bulk_create(facts.returns, batch_size=CHUNK)
    days.update(fact.day for fact in facts.orders)
    return days


def _store_days(days: Iterable[datetime.date]) -> None:
    """Recompute the daily sums of these days from the order facts (and the units per product
    from the line facts)."""
    days = sorted(set(days))
    for start in range(0, len(days), CHUNK):
        chunk = days[start : start + CHUNK]
        DailySales.objects.filter(day__in=chunk).delete()
        live = Q(cancelled=False)
        rows = (
            OrderFact.objects.filter(day__in=chunk)
            .values("day", "channel_id", "warehouse_id", "country", "currency")
            .annotate(
                n_orders=Count("pk", filter=live),
                n_cancelled=Count("pk", filter=Q(cancelled=True)),
                n_units=Sum("units"),
                s_gross=Sum("gross"),
                s_net=Sum("net"),
                n_shipped=Count("pk", filter=live & Q(shipped_at__isnull=False)),
                n_on_time=Count("pk", filter=live & Q(shipped_on_time=True)),
                n_cutoff=Count("pk", filter=live & Q(shipped_before_cutoff=True)),
                n_short=Sum("short_units"),
            )
            .order_by()
        )
        DailySales.objects.bulk_create(
            [
                DailySales(
                    day=row["day"],
                    channel_id=row["channel_id"],
                    warehouse_id=row["warehouse_id"],
                    country=row["country"],
                    currency=row["currency"],
                    orders=row["n_orders"],
                    cancelled_orders=row["n_cancelled"],
                    units=row["n_units"] or 0,
                    gross=row["s_gross"] or ZERO,
                    net=row["s_net"] or ZERO,
                    shipped_orders=row["n_shipped"],
                    shipped_on_time=row["n_on_time"],
                    shipped_before_cutoff=row["n_cutoff"],
                    short_units=row["n_short"] or 0,
                )
                for row in rows
            ],
            batch_size=CHUNK,
        )
        _store_product_days(chunk)


def _store_product_days(days: list[datetime.date]) -> None:
    """Recompute the units per product of these days (placed) from the line facts."""
    DailyProductSales.objects.filter(day__in=days).delete()
    rows = (
        LineFact.objects.filter(day__in=days)
        .values("day", "channel_id", "warehouse_id", "country", "sku")
        .annotate(n_units=Sum("units"), n_shipped=Sum("units_shipped"))
        .filter(Q(n_units__gt=0) | Q(n_shipped__gt=0))
        .order_by()
    )
    DailyProductSales.objects.bulk_create(
        [
            DailyProductSales(
                day=row["day"],
                channel_id=row["channel_id"],
                warehouse_id=row["warehouse_id"],
                country=row["country"],
                sku=row["sku"],
                units=row["n_units"] or 0,
                units_shipped=row["n_shipped"] or 0,
            )
            for row in rows
        ],
        batch_size=CHUNK,
    )


def _store_finance_days(days: Iterable[datetime.date]) -> None:
    """Recompute billing's daily sums of these days from the invoices, credit notes and invoice
    payments stored for them."""
    days = sorted(set(days))
    zone = timezone.get_current_timezone()
    for start in range(0, len(days), CHUNK):
        chunk = days[start : start + CHUNK]
        DailyFinance.objects.filter(day__in=chunk).delete()
        sums: dict[tuple, dict[str, Decimal | int]] = defaultdict(
            lambda: {"invoices": 0, "invoiced": ZERO, "credit_notes": 0, "credited": ZERO, "paid": ZERO}
        )

        def dims(prefix: str) -> list[str]:
            return [f"{prefix}order__channel_id", f"{prefix}shipment__warehouse_id", f"{prefix}order__shipping_country"]

        for row in (
            Invoice.objects.filter(state__in=ISSUED_STATES, invoice_date__in=chunk)
            .values_list("invoice_date", *dims(""), "currency")
            .annotate(n=Count("pk"), total=Sum("total"))
            .order_by()
        ):
            entry = sums[row[:5]]
            entry["invoices"], entry["invoiced"] = row[5], row[6]
        for row in (
            CreditNote.objects.filter(issued_at__isnull=False, credit_date__in=chunk)
            .values_list("credit_date", *dims("invoice__"), "currency")
            .annotate(n=Count("pk"), total=Sum("total"))
            .order_by()
        ):
            entry = sums[row[:5]]
            entry["credit_notes"], entry["credited"] = row[5], row[6]
        low = datetime.datetime.combine(chunk[0], datetime.time.min, tzinfo=zone)
        high = datetime.datetime.combine(chunk[-1] + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
        wanted = set(chunk)
        for row in (
            InvoicePayment.objects.filter(created_at__gte=low, created_at__lt=high)
            .annotate(d=TruncDate("created_at", tzinfo=zone))
            .values_list("d", *dims("invoice__"), "invoice__currency")
            .annotate(total=Sum("amount"))
            .order_by()
        ):
            if row[0] in wanted:
                sums[row[:5]]["paid"] = row[5]
        DailyFinance.objects.bulk_create(
            [
                DailyFinance(
                    day=day, channel_id=channel, warehouse_id=warehouse, country=country, currency=currency, **values
                )
                for (day, channel, warehouse, country, currency), values in sums.items()
            ],
            batch_size=CHUNK,
        )


def _changed_finance_days(since: datetime.datetime, until: datetime.datetime) -> set[datetime.date]:
    """The days whose billing sums a row written in ``(since, until]`` changes: an invoice issued
    or settled, a credit note, a payment applied to an invoice."""
    days: set[datetime.date] = set()
    invoices = Invoice.objects.filter(
        Q(issued_at__gt=since, issued_at__lte=until) | Q(updated_at__gt=since, updated_at__lte=until)
    )
    days.update(invoices.values_list("invoice_date", flat=True).distinct())
    notes = CreditNote.objects.filter(created_at__gt=since, created_at__lte=until)
    days.update(notes.values_list("credit_date", flat=True).distinct())
    days.update(
        _local_day(moment)
        for moment in InvoicePayment.objects.filter(created_at__gt=since, created_at__lte=until).values_list(
            "created_at", flat=True
        )
    )
    return days


def _all_finance_days() -> set[datetime.date]:
    days = set(Invoice.objects.filter(state__in=ISSUED_STATES).values_list("invoice_date", flat=True).distinct())
    days.update(CreditNote.objects.filter(issued_at__isnull=False).values_list("credit_date", flat=True).distinct())
    zone = timezone.get_current_timezone()
    days.update(
        InvoicePayment.objects.annotate(d=TruncDate("created_at", tzinfo=zone)).values_list("d", flat=True).distinct()
    )
    return days


def _changed_orders(since: datetime.datetime, until: datetime.datetime) -> set[int]:
    """Orders with a stored row written in ``(since, until]``: a timeline event, the order row
    itself, one of its shipments, its rating, a return's event or received unit, a refund or a
    credit note."""
    window = {"gt": since, "lte": until}
    ids: set[int] = set()
    ids.update(
        OrderEvent.objects.filter(created_at__gt=window["gt"], created_at__lte=window["lte"]).values_list(
            "order_id", flat=True
        )
    )
    ids.update(Order.objects.filter(updated_at__gt=since, updated_at__lte=until).values_list("pk", flat=True))
    ids.update(Order.objects.filter(created_at__gt=since, created_at__lte=until).values_list("pk", flat=True))
    ids.update(Shipment.objects.filter(updated_at__gt=since, updated_at__lte=until).values_list("order_id", flat=True))
    ids.update(
        OrderRating.objects.filter(created_at__gt=since, created_at__lte=until).values_list("order_id", flat=True)
    )
    ids.update(
        ReturnEvent.objects.filter(created_at__gt=since, created_at__lte=until).values_list(
            "request__order_id", flat=True
        )
    )
    ids.update(
        ReturnUnit.objects.filter(created_at__gt=since, created_at__lte=until).values_list(
            "request__order_id", flat=True
        )
    )
    ids.update(
        PaymentTransaction.objects.filter(
            kind=TransactionKind.REFUND, created_at__gt=since, created_at__lte=until
        ).values_list("order_id", flat=True)
    )
    notes = CreditNote.objects.filter(created_at__gt=since, created_at__lte=until)
    ids.update(notes.values_list("order_id", flat=True))
    return ids


def _start_position() -> datetime.datetime:
    """Where a refresh without a watermark starts: before the first stored row."""
    first = Order.objects.aggregate(first=Min("created_at"), placed=Min("placed_at"))
    moments = [m for m in first.values() if m is not None]
    return min(moments) - datetime.timedelta(seconds=1) if moments else timezone.now()


def refresh_rollups(*, now: datetime.datetime | None = None) -> RefreshResult:
    """Bring the rollups up to date with the rows stored until ``now`` (one transaction).

    Reads at most ``REPORTING_REFRESH_MAX_WINDOW_HOURS`` of changes; ``more`` says whether it
    stopped short of ``now`` (the task then runs again at once). Answers ``busy`` without work
    when a rebuild or another refresh holds the watermark."""
    now = now or timezone.now()
    with transaction.atomic():
        mark = Watermark.objects.select_for_update(skip_locked=True).filter(name=WATERMARK).first()
        if mark is None:
            if Watermark.objects.filter(name=WATERMARK).exists():
                return RefreshResult(orders=0, days=0, position=None, busy=True)
            # The first refresh ever builds everything (the same as a rebuild).
            _rebuild_locked(now=now, progress=None)
            return RefreshResult(orders=OrderFact.objects.count(), days=0, position=now)
        overlap = datetime.timedelta(seconds=settings.REPORTING_WATERMARK_OVERLAP_SECONDS)
        window = datetime.timedelta(hours=settings.REPORTING_REFRESH_MAX_WINDOW_HOURS)
        until = min(now, mark.position + window)
        ids = sorted(_changed_orders(mark.position - overlap, until))
        days: set[datetime.date] = set()
        for start in range(0, len(ids), CHUNK):
            days |= _store_orders(ids[start : start + CHUNK])
        _store_days(days)
        _store_finance_days(_changed_finance_days(mark.position - overlap, until))
        mark.position = until
        mark.updated_at = timezone.now()
        mark.save(update_fields=["position", "updated_at"])
        return RefreshResult(orders=len(ids), days=len(days), position=until, more=until < now)


def rebuild_rollups(*, progress: Callable[[int, int], None] | None = None) -> int:
    """Recompute every rollup from the stored rows (one transaction: the reports show the old
    figures until it commits). ``progress(done, total)`` is called after each chunk of orders.
    Returns the number of orders."""
    now = timezone.now()
    with transaction.atomic():
        mark, _created = Watermark.objects.get_or_create(name=WATERMARK, defaults={"position": now})
        Watermark.objects.select_for_update().filter(pk=mark.pk).first()
        return _rebuild_locked(now=now, progress=progress)


def _rebuild_locked(*, now: datetime.datetime, progress: Callable[[int, int], None] | None) -> int:
    for model in (OrderFact, StateSpan, LineFact, ReturnFact, DailySales, DailyProductSales, DailyFinance):
        model.objects.all().delete()
    ids = list(Order.objects.filter(created_at__lte=now).order_by("pk").values_list("pk", flat=True))
    total = len(ids)
    days: set[datetime.date] = set()
    for start in range(0, total, CHUNK):
        days |= _store_orders(ids[start : start + CHUNK])
        if progress is not None:
            progress(min(start + CHUNK, total), total)
    _store_days(days)
    _store_finance_days(_all_finance_days())
    Watermark.objects.update_or_create(name=WATERMARK, defaults={"position": now, "updated_at": timezone.now()})
    return total


def data_as_of() -> datetime.datetime | None:
    """The moment up to which the rollups include every stored row."""
    return Watermark.objects.filter(name=WATERMARK).aggregate(at=Max("position"))["at"]
