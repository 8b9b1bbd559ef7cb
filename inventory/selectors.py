"""Read side of the inventory: every query the screens, the API and other apps read.

Availability follows ``inventory.availability`` (on hand - reserved - blocked per warehouse);
only active warehouses count; a channel's safety buffer (``ChannelStockBuffer``, the product's
own row winning over the channel-wide one) is held back from the channel's total available to
promise, never below zero.
Inbound is the open quantity of lines of open or partially received purchase orders.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

from django.db.models import F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from inventory import availability
from inventory.exceptions import UnknownProductCodeError
from inventory.models import (
    OPEN_PO_STATES,
    ChannelStockBuffer,
    Product,
    PurchaseOrderLine,
    StockLevel,
    StockMovement,
)

# --- Lookup -------------------------------------------------------------------------------------


def gtin_candidates(code: str) -> set[str]:
    """A scanned EAN-13 may arrive as GTIN-14 with a leading zero, a UPC-A as EAN-13, and back."""
    stripped = code.lstrip("0")
    return {code} | {stripped.zfill(n) for n in (8, 12, 13, 14) if len(stripped) <= n}


def product_by_code(code: str) -> Product:
    """The product whose SKU (exact, then case-insensitive) or GTIN is ``code``; else ``UnknownProductCodeError``."""
    code = (code or "").strip()
    if not code:
        raise UnknownProductCodeError(code)
    query = Q(sku=code) | Q(sku__iexact=code)
    if code.isdigit():
        query |= Q(gtin__in=gtin_candidates(code))
    matches = list(Product.objects.select_related("category").filter(query)[:5])
    for match in matches:  # an exact SKU beats a GTIN or case-insensitive hit
        if match.sku == code:
            return match
    if not matches:
        raise UnknownProductCodeError(code)
    return matches[0]


# --- Availability -------------------------------------------------------------------------------


def available_by_warehouse(*, product_ids: Iterable[int]) -> dict[int, dict[int, int]]:
    """``{product_id: {warehouse_id: available}}`` for active warehouses with stock rows (one query).

    What order routing reads; products without any stock row map to ``{}``.
    """
    product_ids = list(product_ids)
    result: dict[int, dict[int, int]] = {pid: {} for pid in product_ids}
    rows = (
        StockLevel.objects.filter(product_id__in=product_ids, warehouse__active=True)
        .with_available()
        .values_list("product_id", "warehouse_id", "available_units")
    )
    for product_id, warehouse_id, units in rows:
        result[product_id][warehouse_id] = units
    return result


@dataclass(frozen=True)
class InboundLine:
    purchase_order_id: int
    purchase_order: str
    warehouse_id: int
    quantity: int
    expected_date: datetime.date | None
    warehouse: str = ""  # the warehouse's code
    warehouse_priority: int = 0


@dataclass
class WarehouseAvailability:
    warehouse_id: int
    warehouse: str
    on_hand: int = 0
    reserved: int = 0
    inbound: int = 0
    next_inbound_date: datetime.date | None = None
    updated_at: datetime.datetime | None = None
    blocked: int = 0

    @property
    def available(self) -> int:
        return availability.available(self)


@dataclass
class ProductAvailability:
    """Available to promise of one SKU: per warehouse and in total, for one channel's buffer."""

    product_id: int
    sku: str
    name: str
    buffer: int = 0
    warehouses: list[WarehouseAvailability] = field(default_factory=list)
    inbound_lines: list[InboundLine] = field(default_factory=list)

    @property
    def on_hand(self) -> int:
        return sum(w.on_hand for w in self.warehouses)

    @property
    def reserved(self) -> int:
        return sum(w.reserved for w in self.warehouses)

    @property
    def blocked(self) -> int:
        return sum(w.blocked for w in self.warehouses)

    @property
    def available(self) -> int:
        return sum(w.available for w in self.warehouses)

    @property
    def available_to_promise(self) -> int:
        """What the channel may sell: available minus its buffer, never below zero."""
        return availability.after_buffer(self.available, self.buffer)

    @property
    def inbound(self) -> int:
        return sum(w.inbound for w in self.warehouses)

    @property
    def next_inbound_date(self) -> datetime.date | None:
        dates = [ln.expected_date for ln in self.inbound_lines if ln.expected_date]
        return min(dates) if dates else None


def channel_buffers(*, channel_code: str | None, product_ids: Iterable[int]) -> dict[int, int]:
    """Units held back from ``channel_code`` per product (the product's own row wins over the channel-wide one)."""
    product_ids = list(product_ids)
    if not channel_code or not product_ids:
        return {}
    default = 0
    specific: dict[int, int] = {}
    for product_id, buffer in ChannelStockBuffer.objects.filter(
        Q(product_id__in=product_ids) | Q(product__isnull=True), channel_code=channel_code
    ).values_list("product_id", "buffer"):
        if product_id is None:
            default = buffer
        else:
            specific[product_id] = buffer
    return {pid: specific.get(pid, default) for pid in product_ids}


def inbound_lines(*, product_ids: Iterable[int], active_only: bool = True) -> dict[int, list[InboundLine]]:
    """Open purchase order quantities per product, earliest expected first (to active warehouses only,
    unless ``active_only`` is false)."""
    result: dict[int, list[InboundLine]] = defaultdict(list)
    lines = PurchaseOrderLine.objects.filter(
        product_id__in=list(product_ids),
        purchase_order__state__in=OPEN_PO_STATES,
        quantity_ordered__gt=F("quantity_received"),
    )
    if active_only:
        lines = lines.filter(purchase_order__warehouse__active=True)
    rows = lines.order_by(F("purchase_order__expected_date").asc(nulls_last=True), "pk").values_list(
        "product_id",
        "purchase_order_id",
        "purchase_order__number",
        "purchase_order__warehouse_id",
        "quantity_ordered",
        "quantity_received",
        "purchase_order__expected_date",
        "purchase_order__warehouse__code",
        "purchase_order__warehouse__priority",
    )
    for product_id, po_id, number, warehouse_id, ordered, received, expected, code, priority in rows:
        result[product_id].append(
            InboundLine(
                po_id, number, warehouse_id, ordered - received, expected, warehouse=code, warehouse_priority=priority
            )
        )
    return result


def available_to_promise(
    *,
    product_ids: Iterable[int] | None = None,
    skus: Iterable[str] | None = None,
    channel_code: str | None = None,
) -> list[ProductAvailability]:
    """ATP per product (ordered by SKU): levels per active warehouse, inbound, the channel's buffer.

    Four queries whatever the number of products.
    """
    products = Product.objects.all()
    if product_ids is not None:
        products = products.filter(pk__in=list(product_ids))
    if skus is not None:
        products = products.filter(sku__in=list(skus))
    result = {p.pk: ProductAvailability(p.pk, p.sku, p.name) for p in products.only("pk", "sku", "name")}
    if not result:
        return []
    priorities: dict[int, tuple[int, str]] = {}
    for level in StockLevel.objects.filter(product_id__in=result, warehouse__active=True).select_related("warehouse"):
        priorities[level.warehouse_id] = (level.warehouse.priority, level.warehouse.code)
        result[level.product_id].warehouses.append(
            WarehouseAvailability(
                level.warehouse_id,
                level.warehouse.code,
                level.on_hand,
                level.reserved,
                updated_at=level.updated_at,
                blocked=level.blocked,
            )
        )
    for product_id, lines in inbound_lines(product_ids=result).items():
        item = result[product_id]
        item.inbound_lines = lines
        by_wh = {w.warehouse_id: w for w in item.warehouses}
        for line in lines:
            wh = by_wh.get(line.warehouse_id)
            if wh is None:  # stock on its way to a warehouse that has none of it yet
                wh = by_wh[line.warehouse_id] = WarehouseAvailability(line.warehouse_id, line.warehouse)
                item.warehouses.append(wh)
                priorities[line.warehouse_id] = (line.warehouse_priority, line.warehouse)
            wh.inbound += line.quantity
            if line.expected_date and (wh.next_inbound_date is None or line.expected_date < wh.next_inbound_date):
                wh.next_inbound_date = line.expected_date
    for item in result.values():
        item.warehouses.sort(key=lambda w: priorities[w.warehouse_id])
    for product_id, buffer in channel_buffers(channel_code=channel_code, product_ids=result).items():
        result[product_id].buffer = buffer
    return sorted(result.values(), key=lambda a: a.sku)


# --- Ledger -------------------------------------------------------------------------------------


def ledger_mismatches() -> QuerySet[StockLevel]:
    """Stock levels whose ``on_hand`` differs from the sum of their ledger, or whose ``blocked``
    differs from the sum of its ``blocked_change`` (should always be empty)."""
    rows = StockMovement.objects.filter(
        product_id=OuterRef("product_id"), warehouse_id=OuterRef("warehouse_id")
    ).values("product_id", "warehouse_id")
    ledger = rows.annotate(total=Sum("quantity")).values("total")
    blocked = rows.annotate(total=Sum("blocked_change")).values("total")
    return StockLevel.objects.annotate(
        ledger=Coalesce(Subquery(ledger), 0), ledger_blocked=Coalesce(Subquery(blocked), 0)
    ).exclude(on_hand=F("ledger"), blocked=F("ledger_blocked"))


def expected_arrivals(*, needs: Iterable[tuple[Hashable, int, int]]) -> dict[Hashable, InboundLine | None]:
    """For each ``(key, product_id, units)``: the open purchase order line with whose arrival
    ``units`` of the product will have come in (the open lines counted up in the order they are
    expected, to active warehouses), or None when all of them together do not cover the units.
    One query."""
    needs = list(needs)
    lines = inbound_lines(product_ids={product_id for _key, product_id, units in needs if units > 0})
    result: dict[Hashable, InboundLine | None] = {}
    for key, product_id, units in needs:
        result[key] = None
        arriving = 0
        for line in lines.get(product_id, []) if units > 0 else []:
            arriving += line.quantity
            if arriving >= units:
                result[key] = line
                break
    return result
