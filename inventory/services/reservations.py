"""Reservations: the contract with ``orders``. Inventory holds only quantities and an opaque
``reference`` (e.g. ``"order:123"``); which order line holds which units is an allocation row
that belongs to ``orders``.

``reserve_stock`` is the hot path (hundreds of orders per second): the stock levels of the
request are locked with one ``SELECT ... FOR UPDATE ORDER BY id`` (pk order, so two orders for the
same SKUs never deadlock), checked, and changed with one ``UPDATE``: two queries whatever the number
of lines. A short line raises ``InsufficientStockError`` listing every short line, and nothing is
reserved. What a level can promise is ``inventory.availability.available`` (on hand minus
reserved minus blocked); the check constraint ``reserved <= on_hand - blocked`` backs it up.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from inventory import availability
from inventory.error_codes import InventoryErrorCode
from inventory.exceptions import (
    InsufficientBinStockError,
    InsufficientReservationError,
    InsufficientStockError,
    ShortLine,
)
from inventory.locks import bin_stocks_for_update
from inventory.models import BinLocation, BinStock, MovementKind, Product, StockLevel, StockMovement, Warehouse
from inventory.services.notifications import note_stock_changed
from inventory.services.replenishment import demand_upsert
from inventory.services.stock import ledger_user, require_positive
from oms.exceptions import DomainError


@dataclass(frozen=True)
class StockRequest:
    """``quantity`` units of a product in one warehouse; for ``consume_stock`` optionally from one
    bin (``bin_id``: the bin a picker took them from). Reservations ignore the bin."""

    product_id: int
    warehouse_id: int
    quantity: int
    bin_id: int | None = None


def _merge(requests: Iterable[StockRequest], reference: str) -> dict[tuple[int, int], int]:
    """Sum lines per (product, warehouse), after checking every quantity is a whole number > 0
    and that the caller said on whose behalf (``reference``, e.g. ``"order:123"``)."""
    if not isinstance(reference, str) or not reference.strip():
        raise DomainError(
            _("A stock request needs a reference (such as the order)."),
            code=InventoryErrorCode.REFERENCE_REQUIRED,
            data={"field": "reference"},
        )
    merged: dict[tuple[int, int], int] = {}
    for i, req in enumerate(requests):
        if not isinstance(req, StockRequest):
            raise TypeError(f"expected StockRequest, got {type(req).__name__}")
        require_positive(req.quantity, field=f"requests[{i}].quantity")
        key = (req.product_id, req.warehouse_id)
        merged[key] = merged.get(key, 0) + req.quantity
    if not merged:
        raise DomainError(_("The stock request has no lines."), code=InventoryErrorCode.EMPTY_REQUEST)
    return merged


def _short_lines(shorts: list[tuple[int, int, int, int]]) -> list[ShortLine]:
    """Add SKU and warehouse code to (product_id, warehouse_id, requested, available); error path only."""
    skus = dict(Product.objects.filter(pk__in={s[0] for s in shorts}).values_list("pk", "sku"))
    codes = dict(Warehouse.objects.filter(pk__in={s[1] for s in shorts}).values_list("pk", "code"))
    return [
        ShortLine(p, w, skus.get(p, f"#{p}"), codes.get(w, f"#{w}"), requested, available)
        for p, w, requested, available in shorts
    ]


_TABLE = StockLevel._meta.db_table


def _lock_levels(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], StockLevel]:
    """``locks.stock_levels_for_update`` in plain SQL: the same rows, the same pk order, without the
    ORM's query compilation, which was half the time of a reservation."""
    pairs = set(pairs)
    products = sorted({p for p, _w in pairs})
    warehouses = sorted({w for _p, w in pairs})
    sql = (
        f"SELECT id, product_id, warehouse_id, on_hand, reserved, blocked FROM {_TABLE} "
        f"WHERE product_id IN ({', '.join(['%s'] * len(products))}) "
        f"AND warehouse_id IN ({', '.join(['%s'] * len(warehouses))}) ORDER BY id"
    )
    if connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*products, *warehouses])
        rows = cursor.fetchall()
    return {
        (product_id, warehouse_id): StockLevel(
            id=pk, product_id=product_id, warehouse_id=warehouse_id, on_hand=on_hand, reserved=reserved, blocked=blocked
        )
        for pk, product_id, warehouse_id, on_hand, reserved, blocked in rows
        if (product_id, warehouse_id) in pairs
    }


def _change(
    merged: dict[tuple[int, int], int],
    *,
    have: Callable[[StockLevel], int],
    error: type[InsufficientStockError],
    fields: tuple[str, ...],
    sign: int,
    locked: dict[tuple[int, int], StockLevel] | None = None,
    then: tuple[str, list[Any]] | None = None,
) -> dict[tuple[int, int], StockLevel]:
    """Lock the levels (unless the caller passes them ``locked`` already, in this transaction),
    check ``have(level) >= quantity`` for every line, then add ``sign * quantity`` to ``fields`` of
    all of them in one UPDATE. Returns the locked levels (before the change).

    ``then``: a statement (SQL, parameters) sent in the same round trip, the UPDATE as a
    data-modifying ``WITH`` in front of it (on PostgreSQL; elsewhere one after the other).

    The check runs on locked rows, so it cannot go stale before the UPDATE; the check constraints
    stay as the last line of defence.
    """
    levels = _lock_levels(merged.keys()) if locked is None else locked
    shorts = []
    for (product_id, warehouse_id), quantity in sorted(merged.items()):
        level = levels.get((product_id, warehouse_id))
        available = have(level) if level else 0
        if available < quantity:
            shorts.append((product_id, warehouse_id, quantity, max(available, 0)))
    if shorts:
        raise error(_short_lines(shorts))
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    if len(merged) == 1:
        ((pair, quantity),) = merged.items()
        sets = ", ".join(f"{f} = {f} + %s" for f in fields)
        sql = f"UPDATE {_TABLE} SET {sets}, updated_at = %s WHERE id = %s"
        params: list[Any] = [*([sign * quantity] * len(fields)), now, levels[pair].pk]
    else:
        rows = " UNION ALL ".join(["SELECT %s AS id, %s AS q"] * len(merged))
        sets = ", ".join(f"{f} = {_TABLE}.{f} + v.q" for f in fields)
        params = [now]
        for pair, quantity in sorted(merged.items(), key=lambda item: levels[item[0]].pk):
            params += [levels[pair].pk, sign * quantity]
        sql = f"UPDATE {_TABLE} SET {sets}, updated_at = %s FROM ({rows}) AS v WHERE {_TABLE}.id = v.id"
    with connection.cursor() as cursor:
        if then is not None and connection.vendor == "postgresql":
            cursor.execute(f"WITH changed AS ({sql}) {then[0]}", [*params, *then[1]])
        else:
            cursor.execute(sql, params)
            if then is not None:
                cursor.execute(*then)
    note_stock_changed(merged.keys())
    return levels


def reserve_stock(
    *,
    requests: list[StockRequest],
    reference: str,
    locked: dict[tuple[int, int], StockLevel] | None = None,
    demand: Mapping[tuple[int, int], int] | None = None,
    demand_on: datetime.date | None = None,
) -> None:
    """Reserve every line or nothing; raises ``InsufficientStockError`` (per line: sku, warehouse,
    requested, available) when any line is short. Publishes ``stock.changed`` after commit.

    ``locked``: the levels as the caller locked and read them in this transaction
    (``inventory.locks.stock_of_products_for_update``), checked as they are instead of being
    locked and read again, so a reservation is one UPDATE.

    ``demand``: units the customers newly asked for, ``{(product_id, warehouse_id): quantity}``,
    recorded for the forecast on ``demand_on`` (default today) as ``record_demands`` does, in the
    same statement as the reservation (an order's intake), and only if the reservation is made.

    Runs in the caller's transaction without a savepoint (the hot path saves two round trips): a
    refusal is raised after the locked read and before the one UPDATE, so nothing needs undoing
    and the caller may route again. Outside a transaction it opens its own."""
    merged = _merge(requests, reference)
    then = demand_upsert(on=demand_on or timezone.localdate(), quantities=demand) if demand else None
    with nullcontext() if connection.in_atomic_block else transaction.atomic():
        _change(
            merged,
            have=availability.available,
            error=InsufficientStockError,
            fields=("reserved",),
            sign=1,
            locked=locked,
            then=then,
        )


@transaction.atomic
def release_stock(*, requests: list[StockRequest], reference: str) -> None:
    """Give reserved units back (order cancelled or re-routed); all or nothing.

    Raises ``InsufficientReservationError`` when a line releases more than is reserved.
    """
    _change(
        _merge(requests, reference),
        have=lambda s: s.reserved,
        error=InsufficientReservationError,
        fields=("reserved",),
        sign=-1,
    )


@transaction.atomic
def consume_stock(*, requests: list[StockRequest], reference: str, user: Any = None) -> list[StockMovement]:
    """Reserved units leave the warehouse (shipment): ``on_hand`` and ``reserved`` both drop and a
    ``ship`` movement is written per line and bin. All or nothing; raises
    ``InsufficientReservationError``, or ``InsufficientBinStockError`` when a named bin does not
    hold the units.

    A request with ``bin_id`` takes its units from that bin (the one they were picked from); the
    others take from stock without a bin first, then from bins in pick order.
    """
    merged = _merge(requests, reference)
    per_bin: dict[tuple[int, int, int | None], int] = {}
    for req in requests:
        key = (req.product_id, req.warehouse_id, req.bin_id)
        per_bin[key] = per_bin.get(key, 0) + req.quantity
    levels = _change(
        merged, have=lambda s: s.reserved, error=InsufficientReservationError, fields=("on_hand", "reserved"), sign=-1
    )
    _take_from_bins_bulk(levels, per_bin)
    actor = ledger_user(user)
    on_hand = {pair: level.on_hand for pair, level in levels.items()}
    movements = []
    # Named bins in id order, then the units without a bin: the same order every time.
    for (product_id, warehouse_id, bin_id), quantity in sorted(per_bin.items(), key=lambda i: (i[0][:2], i[0][2] or 0)):
        on_hand[(product_id, warehouse_id)] -= quantity
        movements.append(
            StockMovement(
                product_id=product_id,
                warehouse_id=warehouse_id,
                bin_id=bin_id,
                kind=MovementKind.SHIP,
                quantity=-quantity,
                on_hand_after=on_hand[(product_id, warehouse_id)],
                reference=reference[:100],
                user=actor,
            )
        )
    return StockMovement.objects.bulk_create(movements)


def _take_from_bins_bulk(
    levels: dict[tuple[int, int], StockLevel], per_bin: dict[tuple[int, int, int | None], int]
) -> None:
    """Lower bin quantities for units leaving several levels (``on_hand`` values are from before):
    named bins exactly, the rest from unbinned stock first, then bins in pick order."""
    rows = list(bin_stocks_for_update(stock_level_ids=[lv.pk for lv in levels.values()]))
    by_level: dict[int, list[BinStock]] = {}
    for row in rows:
        by_level.setdefault(row.stock_level_id, []).append(row)
    changed: dict[int, BinStock] = {}
    named = sorted((key, q) for key, q in per_bin.items() if key[2] is not None)
    for (product_id, warehouse_id, bin_id), quantity in named:
        level = levels[(product_id, warehouse_id)]
        row = next((r for r in by_level.get(level.pk, []) if r.bin_id == bin_id), None)
        have = row.quantity if row else 0
        if have < quantity:
            bin_code = (
                row.bin.code if row else BinLocation.objects.filter(pk=bin_id).values_list("code", flat=True).first()
            )
            sku = Product.objects.filter(pk=product_id).values_list("sku", flat=True).first()
            raise InsufficientBinStockError(
                bin_code=bin_code or f"#{bin_id}", sku=sku or f"#{product_id}", requested=quantity, available=have
            )
        row.quantity -= quantity
        changed[row.pk] = row
    for (product_id, warehouse_id, bin_id), quantity in per_bin.items():
        if bin_id is not None:
            continue
        level = levels[(product_id, warehouse_id)]
        level_rows = sorted(by_level.get(level.pk, []), key=lambda r: (r.bin.pick_sequence, r.bin.code))
        # Units without a bin are on hand minus what the bins held before anything was taken.
        unbinned = (
            level.on_hand
            - sum(r.quantity for r in level_rows)
            - sum(q for (p, w, b), q in named if (p, w) == (product_id, warehouse_id))
        )
        need = quantity - max(unbinned, 0)
        for row in level_rows:
            if need <= 0:
                break
            take = min(row.quantity, need)
            if take:
                row.quantity -= take
                need -= take
                changed[row.pk] = row
    if changed:
        BinStock.objects.bulk_update(list(changed.values()), ["quantity"])
