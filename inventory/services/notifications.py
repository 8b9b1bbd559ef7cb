"""Publishing of the inventory's domain events.

``stock.changed`` is coalesced: every service notes the (product, warehouse) pairs it touched, and
one event per committed transaction lists them all, however many units or service calls it took.
``stock.received`` is published once per receiving service call.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from oms.events import publish

STOCK_CHANGED = "stock.changed"
STOCK_RECEIVED = "stock.received"

_PENDING_ATTR = "_inventory_stock_changed_pairs"


def note_stock_changed(pairs: Iterable[tuple[int, int]], *, using: str = DEFAULT_DB_ALIAS) -> None:
    """Remember ``pairs`` for the ``stock.changed`` event of the current transaction.

    The pairs live on the connection until commit. Each call registers a flush with
    ``on_commit``; the first flush publishes everything, later ones find nothing. A rolled-back
    transaction drops its flushes, so a stale set is recognised (no flush of ours is pending)
    and discarded. Pairs noted in a rolled-back savepoint of a committed transaction are
    published too: a harmless extra re-sync for a channel.
    """
    conn = transaction.get_connection(using)
    pending: set[tuple[int, int]] | None = getattr(conn, _PENDING_ATTR, None)
    if pending is None or not _flush_pending(conn):
        pending = set()
        setattr(conn, _PENDING_ATTR, pending)
    pending.update(pairs)
    transaction.on_commit(_Flush(using), using=using)


def _flush_pending(conn: BaseDatabaseWrapper) -> bool:
    return any(isinstance(entry[1], _Flush) for entry in conn.run_on_commit)


class _Flush:
    """The on-commit callback; a class so a pending one can be recognised in ``run_on_commit``."""

    def __init__(self, using: str):
        self.using = using

    def __call__(self) -> None:
        _flush(self.using)


def _flush(using: str) -> None:
    conn = transaction.get_connection(using)
    pending = getattr(conn, _PENDING_ATTR, None)
    setattr(conn, _PENDING_ATTR, None)
    if not pending:
        return
    ordered = sorted(pending)
    publish(
        STOCK_CHANGED,
        {
            "items": [{"product_id": p, "warehouse_id": w} for p, w in ordered],
            "product_ids": sorted({p for p, _ in ordered}),
        },
        using=using,
    )


def publish_stock_received(*, product_ids: Iterable[int], warehouse_id: int, reference: str = "") -> None:
    """``stock.received`` after commit, so orders can allocate backorders for these products."""
    publish(
        STOCK_RECEIVED,
        {"product_ids": sorted(set(product_ids)), "warehouse_id": warehouse_id, "reference": reference},
    )
