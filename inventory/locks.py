"""Row locks of the inventory, always taken in primary-key order so concurrent transactions queue
instead of deadlocking (two orders for the same two SKUs lock them in the same order).

Every function here must run inside a transaction (``select_for_update`` raises otherwise).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from inventory.models import BinStock, PurchaseOrder, StockLevel


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
