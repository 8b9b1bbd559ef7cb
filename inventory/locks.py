"""Row locks of the inventory, always taken in primary-key order so concurrent transactions queue
instead of deadlocking (two orders for the same two SKUs lock them in the same order).

Every function here must run inside a transaction (``select_for_update`` raises otherwise).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet

from inventory.models import BinStock, PurchaseOrder, StockLevel, Warehouse


def stock_levels_for_update(*, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], StockLevel]:
    """Lock the stock levels of ``(product_id, warehouse_id)`` pairs, in pk order; missing pairs are absent."""
    pairs = set(pairs)
    if not pairs:
        return {}
    product_ids = {p for p, _ in pairs}
    warehouse_ids = {w for _, w in pairs}
    # Filtering on both id sets may lock a few extra rows of the cross product; they are few and
    # locked in the same pk order, so this stays deadlock-free and is one query.
    qs = (
        StockLevel.objects.select_for_update()
        .filter(product_id__in=product_ids, warehouse_id__in=warehouse_ids)
        .order_by("pk")
    )
    return {(s.product_id, s.warehouse_id): s for s in qs if (s.product_id, s.warehouse_id) in pairs}


_LEVEL_TABLE = StockLevel._meta.db_table
_WAREHOUSE_TABLE = Warehouse._meta.db_table


def stock_of_products_for_update(*, product_ids: Iterable[int]) -> dict[tuple[int, int], StockLevel]:
    """Lock every stock level of ``product_ids`` in an active warehouse, in pk order, and read it
    with its warehouse (code, country, priority, cut-off) in one statement: what routing needs to
    choose the warehouses and what reserving needs to check them. Keyed by (product, warehouse).

    Plain SQL rather than ``select_related`` + ``select_for_update(of=...)``: the hot path of
    intake, where the ORM's compilation cost as much as the round trip."""
    product_ids = sorted(set(product_ids))
    if not product_ids:
        return {}
    sql = (
        f"SELECT s.id, s.product_id, s.warehouse_id, s.on_hand, s.reserved, s.blocked, "
        f"w.code, w.country, w.priority, w.shipping_cutoff "
        f"FROM {_LEVEL_TABLE} AS s JOIN {_WAREHOUSE_TABLE} AS w ON w.id = s.warehouse_id "
        f"WHERE s.product_id IN ({', '.join(['%s'] * len(product_ids))}) AND w.active ORDER BY s.id"
    )
    if connection.features.has_select_for_update_of:
        sql += " FOR UPDATE OF s"
    with connection.cursor() as cursor:
        cursor.execute(sql, product_ids)
        rows = cursor.fetchall()
    levels: dict[tuple[int, int], StockLevel] = {}
    warehouses: dict[int, Warehouse] = {}
    for pk, product_id, warehouse_id, on_hand, reserved, blocked, code, country, priority, cutoff in rows:
        warehouse = warehouses.get(warehouse_id)
        if warehouse is None:
            warehouse = warehouses[warehouse_id] = Warehouse(
                id=warehouse_id, code=code, country=country, priority=priority, shipping_cutoff=cutoff, active=True
            )
        level = StockLevel(
            id=pk, product_id=product_id, warehouse_id=warehouse_id, on_hand=on_hand, reserved=reserved, blocked=blocked
        )
        level.warehouse = warehouse
        levels[(product_id, warehouse_id)] = level
    return levels


def ensure_stock_levels(*, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], StockLevel]:
    """Lock the stock levels of ``pairs``, creating the missing ones (stock arriving at a new place)."""
    pairs = set(pairs)
    levels = stock_levels_for_update(pairs=pairs)
    missing = pairs - levels.keys()
    if missing:
        for product_id, warehouse_id in sorted(missing):
            try:
                # A savepoint, so a concurrent insert of the same pair does not break our transaction.
                with transaction.atomic():
                    StockLevel.objects.create(product_id=product_id, warehouse_id=warehouse_id)
            except IntegrityError:
                pass
        levels = stock_levels_for_update(pairs=pairs)
    return levels


def bin_stocks_for_update(*, stock_level_ids: Iterable[int]) -> QuerySet[BinStock]:
    """The bin quantities of these stock levels, locked in pk order (bins in pick order per level)."""
    return (
        BinStock.objects.select_for_update(of=("self",))
        .filter(stock_level_id__in=list(stock_level_ids))
        .select_related("bin")
        .order_by("pk")
    )


def purchase_order_for_update(*, pk: int) -> PurchaseOrder:
    return PurchaseOrder.objects.select_for_update().get(pk=pk)
