"""Purchase orders in the back office: drafts edited by hand or made from replenishment
suggestions, and sending them to the supplier (PDF and mail through the outbox).

Creating and receiving are ``receiving``'s (``create_purchase_order``, ``receive_purchase_order``);
cancelling is ``receiving.cancel_purchase_order``.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from inventory.error_codes import InventoryErrorCode
from inventory.locks import purchase_order_for_update
from inventory.models import (
    DemandForecast,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseOrderState,
    Supplier,
    Warehouse,
)
from inventory.replenishment_selectors import replenishment_suggestions
from inventory.services.notifications import note_stock_changed
from inventory.services.receiving import OrderLineInput, check_order_lines, create_purchase_order
from oms import documents, mail
from oms.exceptions import DomainError, IllegalTransitionError
from oms.models import Document

PURCHASE_ORDER_DOCUMENT = "purchase_order"
PURCHASE_ORDER_MAIL = "purchase_order"


def _not_editable(po: PurchaseOrder) -> DomainError:
    return DomainError(
        _("%(number)s is %(state)s: only a draft or an open order with nothing received can be changed.")
        % {"number": po.number, "state": po.get_state_display()},
        code=InventoryErrorCode.PURCHASE_ORDER_NOT_EDITABLE,
    )


@transaction.atomic
def update_purchase_order(
    *,
    purchase_order: PurchaseOrder,
    supplier: Supplier,
    warehouse: Warehouse,
    lines: list[OrderLineInput],
    expected_date: datetime.date | None = None,
    note: str = "",
    user: Any = None,
) -> PurchaseOrder:
    """Replace what a draft (or an open order with nothing received) orders: supplier, warehouse,
    expected date, note and lines. Counts a new revision, so the next send mails this version.
    An open order's inbound changes at once (``stock.changed`` for the old and the new lines)."""
    po = purchase_order_for_update(pk=purchase_order.pk)
    if not po.is_editable:
        raise _not_editable(po)
    check_order_lines(lines)
    existing = {line.product_id: line for line in po.lines.select_for_update().order_by("pk")}
    touched = {(product_id, po.warehouse_id) for product_id in existing}
    wanted = {line.product_id: line for line in lines}
    PurchaseOrderLine.objects.filter(pk__in=[ln.pk for pid, ln in existing.items() if pid not in wanted]).delete()
    changed = []
    for product_id, line in existing.items():
        if product_id in wanted:
            line.quantity_ordered = wanted[product_id].quantity
            line.unit_cost = wanted[product_id].unit_cost
            changed.append(line)
    PurchaseOrderLine.objects.bulk_update(changed, ["quantity_ordered", "unit_cost"])
    PurchaseOrderLine.objects.bulk_create(
        [
            PurchaseOrderLine(
                purchase_order=po, product_id=ln.product_id, quantity_ordered=ln.quantity, unit_cost=ln.unit_cost
            )
            for ln in lines
            if ln.product_id not in existing
        ]
    )
    po.supplier = supplier
    po.warehouse = warehouse
    po.expected_date = expected_date
    po.note = note
    po.revision += 1
    po.save(update_fields=["supplier", "warehouse", "expected_date", "note", "revision", "updated_at"])
    if po.is_open:
        note_stock_changed(touched | {(ln.product_id, warehouse.pk) for ln in lines})
    purchase_order.refresh_from_db()
    return po


@transaction.atomic
def send_purchase_order(*, purchase_order: PurchaseOrder, user: Any = None) -> PurchaseOrder:
    """Order the goods: the PO is open (its quantities count as inbound), its PDF for this revision
    is rendered by a worker and mailed to the supplier, both through the outbox in this transaction.
    Sending an open order again mails the current revision, once: a revision the supplier has
    already is refused (the PO row lock makes a double click or two managers wait for each other)."""
    po = purchase_order_for_update(pk=purchase_order.pk)
    if not can_proceed(po.send):
        raise IllegalTransitionError(obj=po, action=_("send"), state=po.get_state_display())
    supplier = Supplier.objects.get(pk=po.supplier_id)
    if not supplier.email:
        raise DomainError(
            _("%(supplier)s has no e-mail address: add one to the supplier before sending.")
            % {"supplier": supplier.name},
            code=InventoryErrorCode.MISSING_SUPPLIER_EMAIL,
        )
    product_ids = list(po.lines.values_list("product_id", flat=True))
    if not product_ids:
        raise DomainError(_("A purchase order needs at least one line."), code=InventoryErrorCode.EMPTY_PURCHASE_ORDER)
    if (
        not po.is_draft
        and Document.objects.filter(kind=PURCHASE_ORDER_DOCUMENT, subject=str(po.pk), version=po.revision).exists()
    ):
        # A second click, or a second manager at the same moment: the supplier has this version.
        raise DomainError(
            _("%(number)s was sent to the supplier already; change it to send a new version.") % {"number": po.number},
            code=InventoryErrorCode.ALREADY_SENT,
        )
    was_draft = po.is_draft
    po.send()
    po.sent_at = timezone.now()
    po.save(update_fields=["state", "sent_at", "updated_at"])
    documents.request_document(PURCHASE_ORDER_DOCUMENT, subject=str(po.pk), version=po.revision)
    mail.enqueue_mail(
        PURCHASE_ORDER_MAIL,
        subject_id=str(po.pk),
        to=supplier.email,
        language=settings.LANGUAGE_CODE,
        requested_by=getattr(user, "username", "") or "system",
    )
    if was_draft:
        note_stock_changed([(product_id, po.warehouse_id) for product_id in product_ids])
    purchase_order.refresh_from_db()
    return po


# --- from replenishment suggestions -------------------------------------------------------------


@dataclass
class SuggestionOrders:
    """What ``create_purchase_orders_from_suggestions`` did: the drafts, and the suggestions it
    left out with the reason (SKU, message)."""

    purchase_orders: list[PurchaseOrder] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


@transaction.atomic
def create_purchase_orders_from_suggestions(*, forecast_ids: Sequence[int], user: Any = None) -> SuggestionOrders:
    """One draft purchase order per supplier and warehouse for the chosen suggestions, each line
    the suggestion's order quantity now (live stock and inbound), expected after the supplier's
    lead time. Left out, and said why: a product without a default supplier, one that needs no
    order now, and one already on a draft for that warehouse (no second draft by a double click).
    Nothing is created when nothing is left (``NOTHING_TO_ORDER``)."""
    # Two managers ordering the same suggestions queue here, so the second sees the first's drafts.
    list(DemandForecast.objects.select_for_update().filter(pk__in=list(forecast_ids)).order_by("pk").values("pk"))
    chosen = replenishment_suggestions().filter(pk__in=list(forecast_ids))
    rows = list(chosen.select_related("product__default_supplier"))
    drafts = set(
        PurchaseOrderLine.objects.filter(
            purchase_order__state=PurchaseOrderState.DRAFT,
            product_id__in=[r.product_id for r in rows],
        ).values_list("product_id", "purchase_order__warehouse_id", "purchase_order__number")
    )
    on_draft = {(product_id, warehouse_id): number for product_id, warehouse_id, number in drafts}
    result = SuggestionOrders()
    groups: dict[tuple[int, int], list[Any]] = {}
    for row in sorted(rows, key=lambda r: (r.product.sku, r.warehouse_id)):
        sku = row.product.sku
        if row.product.default_supplier is None:
            result.skipped.append((sku, _("no default supplier")))
        elif row.order_qty <= 0:
            result.skipped.append((sku, _("nothing to order now")))
        elif (row.product_id, row.warehouse_id) in on_draft:
            number = on_draft[(row.product_id, row.warehouse_id)]
            result.skipped.append((sku, _("already on draft %(number)s") % {"number": number}))
        else:
            groups.setdefault((row.product.default_supplier_id, row.warehouse_id), []).append(row)
    if not groups:
        raise DomainError(
            _("No purchase order was created: none of the chosen suggestions can be ordered now."),
            code=InventoryErrorCode.NOTHING_TO_ORDER,
            data={"skipped": result.skipped},
        )
    today = timezone.localdate()
    for (_supplier_id, _warehouse_id), group in sorted(groups.items(), key=lambda g: g[0]):
        supplier = group[0].product.default_supplier
        result.purchase_orders.append(
            create_purchase_order(
                supplier=supplier,
                warehouse=group[0].warehouse,
                lines=[OrderLineInput(product_id=row.product_id, quantity=row.order_qty) for row in group],
                expected_date=today + datetime.timedelta(days=supplier.lead_time_days),
                note=_("From the replenishment suggestions."),
                user=user,
                draft=True,
            )
        )
    return result
