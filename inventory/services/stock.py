"""Stock movements: receive, adjust, count, transfer, return (sellable or blocked), scrap, block and unblock. Every
change of ``on_hand`` or ``blocked`` writes a ``StockMovement`` row in the same transaction, so
``on_hand`` equals the sum of the ledger's ``quantity`` and ``blocked`` the sum of its
``blocked_change``.

Blocked units are on hand but not sellable (quarantine, a damaged return awaiting a decision):
``block_stock`` takes available units out of availability, ``unblock_stock`` gives them back
(waiting orders allocate them), ``scrap_blocked_stock`` writes them off. The availability rule
itself is ``inventory.availability``.

Bins: a movement with a bin changes that bin's quantity; an outgoing movement without a bin takes
the units without a bin first, then from bins in pick order, so the bins never hold more than
``on_hand``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _

from inventory import availability
from inventory.error_codes import InventoryErrorCode
from inventory.exceptions import (
    BinWarehouseMismatchError,
    CountBelowReservedError,
    InsufficientBinStockError,
    InsufficientBlockedStockError,
    InsufficientStockError,
    InvalidQuantityError,
    ReasonRequiredError,
    SameLocationError,
    ShortLine,
)
from inventory.locks import bin_stocks_for_update, ensure_stock_levels
from inventory.models import BinLocation, BinStock, MovementKind, Product, StockLevel, StockMovement, Warehouse
from inventory.services.notifications import note_stock_changed, publish_stock_received
from oms import parsing
from oms.exceptions import DomainError

User = AbstractBaseUser | None

# Movements that bring units which may serve waiting (backordered) orders.
_ARRIVALS = {MovementKind.RECEIPT, MovementKind.RETURN, MovementKind.TRANSFER_IN}


def require_positive(quantity: Any, *, field: str = "quantity") -> int:
    """``quantity`` as an int > 0, else ``InvalidQuantityError`` naming ``field``."""
    if not parsing.is_quantity(quantity):
        raise InvalidQuantityError(field=field, value=quantity)
    return quantity


def check_bin(bin: BinLocation | None, warehouse: Warehouse, *, field: str = "bin") -> None:
    if bin is not None and bin.warehouse_id != warehouse.pk:
        raise BinWarehouseMismatchError(bin_code=bin.code, warehouse_code=warehouse.code, field=field)


def ledger_user(user: Any) -> Any:
    """The user a ledger row names: a signed-in, saved user, else None (tasks, anonymous)."""
    return user if user is not None and getattr(user, "is_authenticated", False) and user.pk else None


def put_into_bin(level: StockLevel, bin: BinLocation, quantity: int) -> None:
    """Add ``quantity`` units to ``bin`` (caller holds the stock level lock)."""
    bin_stock, _created = BinStock.objects.select_for_update().get_or_create(stock_level=level, bin=bin)
    bin_stock.quantity += quantity
    bin_stock.save(update_fields=["quantity"])


def take_from_bins(level: StockLevel, quantity: int, *, bin: BinLocation | None, sku: str) -> None:
    """Remove ``quantity`` leaving units from the bins of ``level`` (before ``on_hand`` is lowered).

    With a bin, that bin must hold them. Without one, units without a bin go first, then bins in
    pick order. The caller holds the stock level lock and has checked ``on_hand``.
    """
    if bin is not None:
        bin_stock = BinStock.objects.select_for_update().filter(stock_level=level, bin=bin).first()
        have = bin_stock.quantity if bin_stock else 0
        if have < quantity:
            raise InsufficientBinStockError(bin_code=bin.code, sku=sku, requested=quantity, available=have)
        bin_stock.quantity -= quantity
        bin_stock.save(update_fields=["quantity"])
        return
    rows = list(bin_stocks_for_update(stock_level_ids=[level.pk]))
    unbinned = level.on_hand - sum(r.quantity for r in rows)
    need = quantity - max(unbinned, 0)
    if need <= 0:
        return
    changed = []
    for row in sorted(rows, key=lambda r: (r.bin.pick_sequence, r.bin.code)):
        if need <= 0:
            break
        take = min(row.quantity, need)
        if take:
            row.quantity -= take
            need -= take
            changed.append(row)
    BinStock.objects.bulk_update(changed, ["quantity"])


def apply_movement(
    *,
    level: StockLevel,
    product: Product,
    warehouse: Warehouse,
    kind: str,
    delta: int,
    bin: BinLocation | None = None,
    reason: str = "",
    reference: str = "",
    user: Any = None,
) -> StockMovement:
    """Change ``on_hand`` of a locked ``level`` by ``delta`` and write the ledger row.

    An outgoing movement may only take available units (reserved ones belong to orders, blocked
    ones leave through ``scrap_blocked_stock`` or go back with ``unblock_stock``).
    """
    if delta > 0:
        if bin is not None:
            put_into_bin(level, bin, delta)
    else:
        available = availability.available(level)
        if available < -delta:
            raise InsufficientStockError(
                [ShortLine(product.pk, warehouse.pk, product.sku, warehouse.code, -delta, max(available, 0))]
            )
        take_from_bins(level, -delta, bin=bin, sku=product.sku)
    level.on_hand += delta
    level.save(update_fields=["on_hand", "updated_at"])
    return StockMovement.objects.create(
        product=product,
        warehouse=warehouse,
        bin=bin,
        kind=kind,
        quantity=delta,
        on_hand_after=level.on_hand,
        reason=reason[:255],
        reference=reference[:100],
        user=ledger_user(user),
    )


def _level(product: Product, warehouse: Warehouse) -> StockLevel:
    return ensure_stock_levels(pairs=[(product.pk, warehouse.pk)])[(product.pk, warehouse.pk)]


@transaction.atomic
def receive_stock(
    *,
    product: Product,
    warehouse: Warehouse,
    quantity: int,
    bin: BinLocation | None = None,
    reason: str = "",
    reference: str = "",
    user: User = None,
    kind: str = MovementKind.RECEIPT,
) -> StockMovement:
    """Units arrive in ``warehouse`` (optionally into ``bin``). Publishes ``stock.received`` and ``stock.changed``."""
    require_positive(quantity)
    check_bin(bin, warehouse)
    level = _level(product, warehouse)
    movement = apply_movement(
        level=level,
        product=product,
        warehouse=warehouse,
        kind=kind,
        delta=quantity,
        bin=bin,
        reason=reason,
        reference=reference,
        user=user,
    )
    note_stock_changed([(product.pk, warehouse.pk)])
    if kind in _ARRIVALS:
        publish_stock_received(product_ids=[product.pk], warehouse_id=warehouse.pk, reference=reference)
    return movement


@transaction.atomic
def return_stock(
    *,
    product: Product,
    warehouse: Warehouse,
    quantity: int,
    reference: str,
    bin: BinLocation | None = None,
    reason: str = "",
    user: User = None,
) -> StockMovement:
    """A customer return is put back into sellable stock (``return`` movement)."""
    return receive_stock(
        product=product,
        warehouse=warehouse,
        quantity=quantity,
        bin=bin,
        reason=reason,
        reference=reference,
        user=user,
        kind=MovementKind.RETURN,
    )


@transaction.atomic
def return_blocked_stock(
    *,
    product: Product,
    warehouse: Warehouse,
    quantity: int,
    reason: str,
    reference: str,
    user: User = None,
) -> StockMovement:
    """A customer return comes back damaged: its units are booked in as blocked in one ``return``
    movement (``on_hand`` and ``blocked`` rise together), so availability never counts them and
    no waiting order is offered them. They leave with ``scrap_blocked_stock`` or become sellable
    with ``unblock_stock``. Publishes ``stock.changed``."""
    require_positive(quantity)
    reason = _reason(reason)
    level = _level(product, warehouse)
    return _blocked_movement(
        level,
        kind=MovementKind.RETURN,
        quantity=quantity,
        blocked_change=quantity,
        reason=reason,
        reference=reference,
        user=user,
    )


@transaction.atomic
def adjust_stock(
    *,
    product: Product,
    warehouse: Warehouse,
    quantity: int,
    reason: str,
    bin: BinLocation | None = None,
    reference: str = "",
    user: User = None,
    kind: str = MovementKind.ADJUSTMENT,
) -> StockMovement:
    """Correct ``on_hand`` by a signed ``quantity`` (found, damaged, miscounted). ``reason`` is required."""
    if not parsing.is_whole_number(quantity) or quantity == 0:
        raise InvalidQuantityError(
            value=quantity,
            message=_("The adjustment must be a whole number other than zero (got %(value)s).") % {"value": quantity},
        )
    if not (reason or "").strip():
        raise ReasonRequiredError()
    check_bin(bin, warehouse)
    level = _level(product, warehouse)
    movement = apply_movement(
        level=level,
        product=product,
        warehouse=warehouse,
        kind=kind,
        delta=quantity,
        bin=bin,
        reason=reason.strip(),
        reference=reference,
        user=user,
    )
    note_stock_changed([(product.pk, warehouse.pk)])
    return movement


@transaction.atomic
def scrap_stock(
    *,
    product: Product,
    warehouse: Warehouse,
    quantity: int,
    reason: str,
    bin: BinLocation | None = None,
    reference: str = "",
    user: User = None,
) -> StockMovement:
    """Units are destroyed or unsellable (``scrap`` movement, reason required)."""
    require_positive(quantity)
    return adjust_stock(
        product=product,
        warehouse=warehouse,
        quantity=-quantity,
        reason=reason,
        bin=bin,
        reference=reference,
        user=user,
        kind=MovementKind.SCRAP,
    )


def _short(product: Product, warehouse: Warehouse, requested: int, have: int) -> list[ShortLine]:
    return [ShortLine(product.pk, warehouse.pk, product.sku, warehouse.code, requested, max(have, 0))]


def _blocked_movement(
    level: StockLevel,
    *,
    kind: str,
    quantity: int,
    blocked_change: int,
    reason: str,
    reference: str,
    user: Any,
    bin=None,
) -> StockMovement:
    level.on_hand += quantity
    level.blocked += blocked_change
    level.save(update_fields=["on_hand", "blocked", "updated_at"])
    note_stock_changed([(level.product_id, level.warehouse_id)])
    return StockMovement.objects.create(
        product_id=level.product_id,
        warehouse_id=level.warehouse_id,
        bin=bin,
        kind=kind,
        quantity=quantity,
        blocked_change=blocked_change,
        on_hand_after=level.on_hand,
        reason=reason[:255],
        reference=reference[:100],
        user=ledger_user(user),
    )


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequiredError()
    return reason


@transaction.atomic
def block_stock(
    *, product: Product, warehouse: Warehouse, quantity: int, reason: str, reference: str = "", user: User = None
) -> StockMovement:
    """Available units on hand stop being sellable (quarantine, found damaged, a return awaiting
    inspection): ``blocked`` rises, ``on_hand`` stays, availability drops. Reserved units belong
    to orders and cannot be blocked (``InsufficientStockError``). A ``block`` movement keeps the
    reason; publishes ``stock.changed``."""
    require_positive(quantity)
    reason = _reason(reason)
    level = _level(product, warehouse)
    have = availability.available(level)
    if have < quantity:
        raise InsufficientStockError(_short(product, warehouse, quantity, have))
    return _blocked_movement(
        level,
        kind=MovementKind.BLOCK,
        quantity=0,
        blocked_change=quantity,
        reason=reason,
        reference=reference,
        user=user,
    )


@transaction.atomic
def unblock_stock(
    *, product: Product, warehouse: Warehouse, quantity: int, reason: str, reference: str = "", user: User = None
) -> StockMovement:
    """Blocked units are sellable again (inspection passed): ``blocked`` drops, availability rises,
    and ``stock.received`` lets waiting orders allocate them. Raises
    ``InsufficientBlockedStockError`` for more than is blocked."""
    require_positive(quantity)
    reason = _reason(reason)
    level = _level(product, warehouse)
    if level.blocked < quantity:
        raise InsufficientBlockedStockError(_short(product, warehouse, quantity, level.blocked))
    movement = _blocked_movement(
        level,
        kind=MovementKind.UNBLOCK,
        quantity=0,
        blocked_change=-quantity,
        reason=reason,
        reference=reference,
        user=user,
    )
    publish_stock_received(product_ids=[product.pk], warehouse_id=warehouse.pk, reference=reference)
    return movement


@transaction.atomic
def scrap_blocked_stock(
    *,
    product: Product,
    warehouse: Warehouse,
    quantity: int,
    reason: str,
    bin: BinLocation | None = None,
    reference: str = "",
    user: User = None,
) -> StockMovement:
    """Blocked units are written off: ``on_hand`` and ``blocked`` drop together (a ``scrap``
    movement), so availability does not change. Raises ``InsufficientBlockedStockError`` for
    more than is blocked."""
    require_positive(quantity)
    reason = _reason(reason)
    check_bin(bin, warehouse)
    level = _level(product, warehouse)
    if level.blocked < quantity:
        raise InsufficientBlockedStockError(_short(product, warehouse, quantity, level.blocked))
    take_from_bins(level, quantity, bin=bin, sku=product.sku)
    return _blocked_movement(
        level,
        kind=MovementKind.SCRAP,
        quantity=-quantity,
        blocked_change=-quantity,
        reason=reason,
        reference=reference,
        user=user,
        bin=bin,
    )


@transaction.atomic
def count_stock(
    *,
    product: Product,
    warehouse: Warehouse,
    counted: int,
    bin: BinLocation | None = None,
    reason: str = "",
    user: User = None,
) -> StockMovement | None:
    """Cycle count: ``counted`` units were found (in ``bin``, or in the whole warehouse without one).

    The difference becomes a ``count`` movement; returns ``None`` when the count matches.
    """
    if not parsing.is_quantity(counted, minimum=0):
        raise InvalidQuantityError(
            field="counted",
            value=counted,
            message=_("The counted quantity must be a whole number of zero or more (got %(value)s).")
            % {"value": counted},
        )
    check_bin(bin, warehouse)
    level = _level(product, warehouse)
    if bin is not None:
        row = BinStock.objects.select_for_update().filter(stock_level=level, bin=bin).first()
        expected = row.quantity if row else 0
    else:
        expected = level.on_hand
    delta = counted - expected
    if delta == 0:
        return None
    if level.on_hand + delta < level.reserved + level.blocked:
        raise CountBelowReservedError(
            sku=product.sku, counted=level.on_hand + delta, reserved=level.reserved, blocked=level.blocked
        )
    where = (
        _("bin %(bin)s") % {"bin": bin.code} if bin else _("warehouse %(warehouse)s") % {"warehouse": warehouse.code}
    )
    text = _("Cycle count in %(where)s: counted %(counted)d, expected %(expected)d") % {
        "where": where,
        "counted": counted,
        "expected": expected,
    }
    movement = apply_movement(
        level=level,
        product=product,
        warehouse=warehouse,
        kind=MovementKind.COUNT,
        delta=delta,
        bin=bin,
        reason=f"{text}. {reason.strip()}" if reason.strip() else text,
        user=user,
    )
    note_stock_changed([(product.pk, warehouse.pk)])
    return movement


@transaction.atomic
def transfer_stock(
    *,
    product: Product,
    from_warehouse: Warehouse,
    to_warehouse: Warehouse,
    quantity: int,
    from_bin: BinLocation | None = None,
    to_bin: BinLocation | None = None,
    reason: str = "",
    reference: str = "",
    user: User = None,
) -> list[StockMovement]:
    """Move units between bins of one warehouse or between warehouses. Returns the two ledger rows.

    Between bins ``on_hand`` stays and the rows are ``bin_transfer`` (-q, +q); between warehouses
    they are ``transfer_out``/``transfer_in`` and only available (unreserved) units may leave.
    """
    require_positive(quantity)
    check_bin(from_bin, from_warehouse, field="from_bin")
    check_bin(to_bin, to_warehouse, field="to_bin")
    same_warehouse = from_warehouse.pk == to_warehouse.pk
    if same_warehouse and (from_bin.pk if from_bin else None) == (to_bin.pk if to_bin else None):
        raise SameLocationError()
    reference = reference or f"transfer:{uuid.uuid4().hex[:12]}"
    pairs = [(product.pk, from_warehouse.pk), (product.pk, to_warehouse.pk)]
    levels = ensure_stock_levels(pairs=pairs)  # both locked together, in pk order
    source, target = levels[pairs[0]], levels[pairs[1]]
    common = {"product": product, "reason": reason, "reference": reference, "user": ledger_user(user)}
    if same_warehouse:
        if from_bin is None:
            binned = sum(b.quantity for b in bin_stocks_for_update(stock_level_ids=[source.pk]))
            unbinned = source.on_hand - binned
            if unbinned < quantity:
                raise InsufficientBinStockError(
                    bin_code=_("(no bin)"), sku=product.sku, requested=quantity, available=max(unbinned, 0)
                )
        else:
            take_from_bins(source, quantity, bin=from_bin, sku=product.sku)
        if to_bin is not None:
            put_into_bin(source, to_bin, quantity)
        source.save(update_fields=["updated_at"])
        return StockMovement.objects.bulk_create(
            [
                StockMovement(
                    warehouse=from_warehouse,
                    bin=from_bin,
                    kind=MovementKind.BIN_TRANSFER,
                    quantity=-quantity,
                    on_hand_after=source.on_hand,
                    **common,
                ),
                StockMovement(
                    warehouse=to_warehouse,
                    bin=to_bin,
                    kind=MovementKind.BIN_TRANSFER,
                    quantity=quantity,
                    on_hand_after=source.on_hand,
                    **common,
                ),
            ]
        )
    out = apply_movement(
        level=source,
        product=product,
        warehouse=from_warehouse,
        kind=MovementKind.TRANSFER_OUT,
        delta=-quantity,
        bin=from_bin,
        reason=reason,
        reference=reference,
        user=user,
    )
    into = apply_movement(
        level=target,
        product=product,
        warehouse=to_warehouse,
        kind=MovementKind.TRANSFER_IN,
        delta=quantity,
        bin=to_bin,
        reason=reason,
        reference=reference,
        user=user,
    )
    note_stock_changed(pairs)
    publish_stock_received(product_ids=[product.pk], warehouse_id=to_warehouse.pk, reference=reference)
    return [out, into]


@dataclass(frozen=True)
class OpeningStock:
    product_id: int
    warehouse_id: int
    quantity: int
    bin_id: int | None = None


@transaction.atomic
def receive_opening_stock(*, entries: list[OpeningStock], reference: str, reason: str = "") -> int:
    """Bulk path for a fresh catalogue (demo seed, first import): creates stock levels, bin
    quantities and one ``receipt`` ledger row per entry in a handful of queries.

    Refused when any of the (product, warehouse) pairs already has a stock level, so the ledger
    always equals ``on_hand``. Returns the number of units received. Publishes no events.
    """
    totals: dict[tuple[int, int], int] = {}
    for e in entries:
        require_positive(e.quantity)
        totals[(e.product_id, e.warehouse_id)] = totals.get((e.product_id, e.warehouse_id), 0) + e.quantity
    if not totals:
        return 0
    product_ids = {p for p, _w in totals}
    existing = StockLevel.objects.filter(product_id__in=product_ids, warehouse_id__in={w for _p, w in totals})
    if any((s.product_id, s.warehouse_id) in totals for s in existing.only("product_id", "warehouse_id")):
        raise DomainError(
            _("Opening stock can only be booked where no stock exists yet."),
            code=InventoryErrorCode.OPENING_STOCK_EXISTS,
        )
    levels = StockLevel.objects.bulk_create(
        [StockLevel(product_id=p, warehouse_id=w, on_hand=q) for (p, w), q in totals.items()]
    )
    if any(lv.pk is None for lv in levels):  # backends without RETURNING ids
        levels = list(StockLevel.objects.filter(product_id__in=product_ids))
    by_pair = {(lv.product_id, lv.warehouse_id): lv for lv in levels}
    bins: dict[tuple[int, int], int] = {}
    running: dict[tuple[int, int], int] = {}
    movements = []
    for e in entries:
        pair = (e.product_id, e.warehouse_id)
        running[pair] = running.get(pair, 0) + e.quantity
        if e.bin_id:
            key = (by_pair[pair].pk, e.bin_id)
            bins[key] = bins.get(key, 0) + e.quantity
        movements.append(
            StockMovement(
                product_id=e.product_id,
                warehouse_id=e.warehouse_id,
                bin_id=e.bin_id,
                kind=MovementKind.RECEIPT,
                quantity=e.quantity,
                on_hand_after=running[pair],
                reason=reason,
                reference=reference,
            )
        )
    BinStock.objects.bulk_create([BinStock(stock_level_id=s, bin_id=b, quantity=q) for (s, b), q in bins.items()])
    StockMovement.objects.bulk_create(movements, batch_size=2000)
    return sum(totals.values())
