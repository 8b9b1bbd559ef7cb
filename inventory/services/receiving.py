"""Purchase orders and receiving against them (the receiving screen calls these)."""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from inventory.error_codes import InventoryErrorCode
from inventory.exceptions import OverReceiptError
from inventory.locks import ensure_stock_levels, purchase_order_for_update
from inventory.models import (
    BinLocation,
    MovementKind,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderState,
    StockMovement,
    Supplier,
    Warehouse,
)
from inventory.selectors import product_by_code
from inventory.services.notifications import note_stock_changed, publish_stock_received
from inventory.services.stock import apply_movement, check_bin, require_positive
from oms.exceptions import DomainError, IllegalTransitionError

# Unit costs are stored with 12 digits, 2 after the decimal point.
MAX_UNIT_COST = Decimal("10000000000")


@dataclass(frozen=True)
class OrderLineInput:
    product_id: int
    quantity: int
    unit_cost: Any = None


@dataclass(frozen=True)
class ReceiptLine:
    """``quantity`` units of purchase order line ``line_id`` arrive (into ``bin_id`` if given)."""

    line_id: int
    quantity: int
    bin_id: int | None = None


def check_order_lines(lines: list[OrderLineInput]) -> None:
    """Refuse lines a purchase order cannot hold: none, a quantity below 1, a negative or oversized
    unit cost, a product twice or one that does not exist. Reads, writes nothing."""
    if not lines:
        raise DomainError(_("A purchase order needs at least one line."), code=InventoryErrorCode.EMPTY_PURCHASE_ORDER)
    seen = set()
    for i, line in enumerate(lines):
        require_positive(line.quantity, field=f"lines[{i}].quantity")
        if line.unit_cost is not None and not (Decimal(0) <= Decimal(line.unit_cost) < MAX_UNIT_COST):
            raise DomainError(
                _("Unit cost: enter an amount from 0 to 9,999,999,999.99."),
                code=InventoryErrorCode.INVALID_UNIT_COST,
                data={"field": f"lines[{i}].unit_cost", "line": i},
            )
        if line.product_id in seen:
            raise DomainError(
                _("Each product may appear only once per purchase order."),
                code=InventoryErrorCode.DUPLICATE_LINE,
                data={"line": i},
            )
        seen.add(line.product_id)
    known = set(Product.objects.filter(pk__in=seen).values_list("pk", flat=True))
    for i, line in enumerate(lines):
        if line.product_id not in known:
            raise DomainError(
                _("Unknown product (id %(id)s).") % {"id": line.product_id},
                code=InventoryErrorCode.UNKNOWN_PRODUCT,
                data={"field": f"lines[{i}].product_id"},
            )


@transaction.atomic
def create_purchase_order(
    *,
    supplier: Supplier,
    warehouse: Warehouse,
    lines: list[OrderLineInput],
    expected_date: datetime.date | None = None,
    number: str = "",
    note: str = "",
    user: Any = None,
    draft: bool = False,
) -> PurchaseOrder:
    """An open purchase order, whose lines count as inbound stock from now on; with ``draft`` one
    that counts as nothing until it is sent (``purchasing.send_purchase_order``).
    Number ``PO-000123`` if not given."""
    check_order_lines(lines)
    po = PurchaseOrder.objects.create(
        number=number or f"tmp-{uuid.uuid4().hex[:24]}",
        supplier=supplier,
        warehouse=warehouse,
        expected_date=expected_date,
        note=note,
        state=PurchaseOrderState.DRAFT if draft else PurchaseOrderState.OPEN,
        created_by=user if getattr(user, "pk", None) else None,
    )
    if not number:
        po.number = f"PO-{po.pk:06d}"
        po.save(update_fields=["number"])
    PurchaseOrderLine.objects.bulk_create(
        [
            PurchaseOrderLine(
                purchase_order=po, product_id=ln.product_id, quantity_ordered=ln.quantity, unit_cost=ln.unit_cost
            )
            for ln in lines
        ]
    )
    if not draft:
        note_stock_changed([(ln.product_id, warehouse.pk) for ln in lines])  # inbound changed
    return po


@transaction.atomic
def receive_purchase_order(
    *,
    purchase_order: PurchaseOrder,
    lines: list[ReceiptLine],
    user: Any = None,
    allow_over_receipt: bool = False,
) -> list[StockMovement]:
    """Book arriving units against lines of an open purchase order, in full or in part.

    More than the open quantity of a line is refused with ``OverReceiptError`` unless
    ``allow_over_receipt`` (the user confirmed). The order becomes partially received or received.
    Publishes ``stock.received`` (product ids, warehouse id) once, after commit.
    """
    po = purchase_order_for_update(pk=purchase_order.pk)
    if not po.is_open:
        raise IllegalTransitionError(obj=po, action=_("receive"), state=po.get_state_display())
    if not lines:
        raise DomainError(_("Nothing to receive."), code=InventoryErrorCode.EMPTY_RECEIPT)
    po_lines = {ln.pk: ln for ln in po.lines.select_for_update().select_related("product").order_by("pk")}
    bins = {b.pk: b for b in BinLocation.objects.filter(pk__in={r.bin_id for r in lines if r.bin_id})}
    for i, receipt in enumerate(lines):
        require_positive(receipt.quantity, field=f"lines[{i}].quantity")
        line = po_lines.get(receipt.line_id)
        if line is None:
            raise DomainError(
                _("Line %(line)s does not belong to purchase order %(po)s.") % {"line": receipt.line_id, "po": po},
                code=InventoryErrorCode.UNKNOWN_LINE,
                data={"field": f"lines[{i}].line_id"},
            )
        if receipt.bin_id and receipt.bin_id not in bins:
            raise DomainError(
                _("Unknown bin."), code=InventoryErrorCode.UNKNOWN_BIN, data={"field": f"lines[{i}].bin_id"}
            )
        check_bin(bins.get(receipt.bin_id), po.warehouse)
    totals: dict[int, int] = {}
    for receipt in lines:
        totals[receipt.line_id] = totals.get(receipt.line_id, 0) + receipt.quantity
    if not allow_over_receipt:
        for line_id, quantity in totals.items():
            line = po_lines[line_id]
            if quantity > line.quantity_open:
                raise OverReceiptError(
                    sku=line.product.sku,
                    ordered=line.quantity_ordered,
                    received=line.quantity_received,
                    requested=quantity,
                )
    levels = ensure_stock_levels(pairs=[(po_lines[r].product_id, po.warehouse_id) for r in totals])
    movements = []
    for receipt in lines:
        line = po_lines[receipt.line_id]
        movements.append(
            apply_movement(
                level=levels[(line.product_id, po.warehouse_id)],
                product=line.product,
                warehouse=po.warehouse,
                kind=MovementKind.RECEIPT,
                delta=receipt.quantity,
                bin=bins.get(receipt.bin_id),
                reason=_("Purchase order %(number)s") % {"number": po.number},
                reference=f"po:{po.number}",
                user=user,
            )
        )
        line.quantity_received += receipt.quantity
    PurchaseOrderLine.objects.bulk_update([po_lines[i] for i in totals], ["quantity_received"])
    if all(ln.quantity_open == 0 for ln in po_lines.values()):
        po.complete()
    else:
        po.receive_partially()
    po.save(update_fields=["state", "updated_at"])
    product_ids = [po_lines[i].product_id for i in totals]
    note_stock_changed([(p, po.warehouse_id) for p in product_ids])
    publish_stock_received(product_ids=product_ids, warehouse_id=po.warehouse_id, reference=f"po:{po.number}")
    purchase_order.refresh_from_db()
    return movements


@transaction.atomic
def receive_purchase_order_line(
    *,
    line: PurchaseOrderLine,
    quantity: int,
    bin: BinLocation | None = None,
    user: Any = None,
    allow_over_receipt: bool = False,
) -> StockMovement:
    """Receive ``quantity`` units of one line (the scanning screen's action)."""
    (movement,) = receive_purchase_order(
        purchase_order=line.purchase_order,
        lines=[ReceiptLine(line_id=line.pk, quantity=quantity, bin_id=bin.pk if bin else None)],
        user=user,
        allow_over_receipt=allow_over_receipt,
    )
    line.refresh_from_db(fields=["quantity_received"])
    return movement


@transaction.atomic
def receive_by_code(
    *,
    purchase_order: PurchaseOrder,
    code: str,
    quantity: int,
    bin: BinLocation | None = None,
    user: Any = None,
    allow_over_receipt: bool = False,
) -> StockMovement:
    """Scan or type a SKU/GTIN on the receiving screen; the matching line of the order is received."""
    product: Product = product_by_code(code)
    line = purchase_order.lines.filter(product=product).first()
    if line is None:
        raise DomainError(
            _("%(sku)s is not on purchase order %(po)s.") % {"sku": product.sku, "po": purchase_order.number},
            code=InventoryErrorCode.PRODUCT_NOT_ON_ORDER,
            data={"field": "code", "sku": product.sku},
        )
    return receive_purchase_order_line(
        line=line, quantity=quantity, bin=bin, user=user, allow_over_receipt=allow_over_receipt
    )


@transaction.atomic
def cancel_purchase_order(*, purchase_order: PurchaseOrder, user: Any = None) -> PurchaseOrder:
    """Nothing more is expected; the open quantities stop counting as inbound."""
    po = purchase_order_for_update(pk=purchase_order.pk)
    if not can_proceed(po.cancel):
        raise IllegalTransitionError(obj=po, action=_("cancel"), state=po.get_state_display())
    po.cancel()
    po.save(update_fields=["state", "updated_at"])
    note_stock_changed([(p, po.warehouse_id) for p in po.lines.values_list("product_id", flat=True)])
    return po
