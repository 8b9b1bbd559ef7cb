"""Purchase orders in the back office: drafts, edits, sending to the supplier (PDF and mail through
the outbox), and drafts made from replenishment suggestions in one step."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail as django_mail
from django.utils import timezone

from inventory.error_codes import InventoryErrorCode
from inventory.models import DemandForecast, PurchaseOrder, PurchaseOrderLine, PurchaseOrderState
from inventory.selectors import inbound_lines
from inventory.services.purchasing import (
    PURCHASE_ORDER_DOCUMENT,
    create_purchase_orders_from_suggestions,
    send_purchase_order,
    update_purchase_order,
)
from inventory.services.receiving import (
    OrderLineInput,
    ReceiptLine,
    cancel_purchase_order,
    create_purchase_order,
    receive_purchase_order,
)
from oms.exceptions import DomainError, IllegalTransitionError
from oms.models import CustomerMail, Document, DocumentStatus, OutboxMessage
from tests.inventory.factories import ProductFactory, SupplierFactory, WarehouseFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def supplier():
    return SupplierFactory(name="Acme Supplies", email="orders@acme.example", lead_time_days=10)


@pytest.fixture
def draft(supplier, warehouse, product):
    return create_purchase_order(
        supplier=supplier,
        warehouse=warehouse,
        lines=[OrderLineInput(product_id=product.pk, quantity=12, unit_cost=Decimal("3.50"))],
        expected_date=datetime.date(2026, 12, 14),
        draft=True,
    )


def inbound(product, warehouse) -> int:
    lines = inbound_lines(product_ids=[product.pk]).get(product.pk, [])
    return sum(line.quantity for line in lines if line.warehouse_id == warehouse.pk)


def test_a_draft_counts_as_no_inbound_stock_until_it_is_sent(draft, product, warehouse, published):
    assert draft.state == PurchaseOrderState.DRAFT and draft.number == f"PO-{draft.pk:06d}"
    assert inbound(product, warehouse) == 0

    send_purchase_order(purchase_order=draft)

    assert draft.state == PurchaseOrderState.OPEN and draft.sent_at is not None
    assert inbound(product, warehouse) == 12


def test_sending_records_the_pdf_and_the_supplier_mail_in_the_outbox_of_the_same_transaction(draft):
    send_purchase_order(purchase_order=draft)

    document = Document.objects.get(kind=PURCHASE_ORDER_DOCUMENT, subject=str(draft.pk))
    assert document.version == 1
    sent = CustomerMail.objects.get(subject_type="purchase_order", subject_id=str(draft.pk))
    assert sent.to == "orders@acme.example" and sent.kind == "purchase_order"
    kinds = set(OutboxMessage.objects.values_list("kind", flat=True))
    assert {"document", "customer_mail"} <= kinds


def test_the_supplier_gets_a_mail_with_the_purchase_order_as_pdf(draft, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send_purchase_order(purchase_order=draft)

    [message] = django_mail.outbox
    assert message.to == ["orders@acme.example"]
    assert draft.number in message.subject
    [(filename, content, mimetype)] = message.attachments
    assert filename == f"{draft.number}.pdf" and mimetype == "application/pdf"
    assert content.startswith(b"%PDF")
    document = Document.objects.get(kind=PURCHASE_ORDER_DOCUMENT, subject=str(draft.pk))
    assert document.status == DocumentStatus.READY


def test_sending_without_a_supplier_address_is_refused_and_changes_nothing(draft, supplier):
    supplier.email = ""
    supplier.save()

    with pytest.raises(DomainError) as refused:
        send_purchase_order(purchase_order=draft)

    assert refused.value.code == InventoryErrorCode.MISSING_SUPPLIER_EMAIL
    draft.refresh_from_db()
    assert draft.state == PurchaseOrderState.DRAFT and draft.sent_at is None
    assert not CustomerMail.objects.exists() and not Document.objects.exists()


def test_a_received_or_cancelled_order_cannot_be_sent(draft, product):
    send_purchase_order(purchase_order=draft)
    line = draft.lines.get()
    receive_purchase_order(purchase_order=draft, lines=[ReceiptLine(line_id=line.pk, quantity=12)])
    assert draft.state == PurchaseOrderState.RECEIVED

    with pytest.raises(IllegalTransitionError):
        send_purchase_order(purchase_order=draft)
    assert CustomerMail.objects.count() == 1


def test_a_draft_can_be_cancelled_and_is_then_closed(draft):
    cancel_purchase_order(purchase_order=draft)
    draft.refresh_from_db()
    assert draft.state == PurchaseOrderState.CANCELLED
    with pytest.raises(IllegalTransitionError):
        send_purchase_order(purchase_order=draft)


def test_editing_replaces_the_lines_and_counts_a_revision(draft, supplier, warehouse, product):
    other = ProductFactory(sku="HK-200", name="Hake")
    update_purchase_order(
        purchase_order=draft,
        supplier=supplier,
        warehouse=warehouse,
        lines=[OrderLineInput(product_id=other.pk, quantity=5), OrderLineInput(product_id=product.pk, quantity=20)],
        expected_date=datetime.date(2026, 12, 20),
        note="Bitte mit Lieferschein",
    )

    assert draft.revision == 2 and draft.expected_date == datetime.date(2026, 12, 20)
    lines = {ln.product.sku: (ln.quantity_ordered, ln.unit_cost) for ln in draft.lines.select_related("product")}
    assert lines == {"GS-100": (20, None), "HK-200": (5, None)}


def test_an_edit_after_sending_is_mailed_as_the_next_revision(draft, supplier, warehouse, product):
    send_purchase_order(purchase_order=draft)
    update_purchase_order(
        purchase_order=draft, supplier=supplier, warehouse=warehouse, lines=[OrderLineInput(product.pk, 30)]
    )
    assert inbound(product, warehouse) == 30

    send_purchase_order(purchase_order=draft)

    versions = list(
        Document.objects.filter(subject=str(draft.pk)).order_by("version").values_list("version", flat=True)
    )
    assert versions == [1, 2]
    assert CustomerMail.objects.filter(subject_id=str(draft.pk)).count() == 2


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ("none", InventoryErrorCode.EMPTY_PURCHASE_ORDER),
        ("unknown product", InventoryErrorCode.UNKNOWN_PRODUCT),
        ("zero", InventoryErrorCode.INVALID_QUANTITY),
        ("twice", InventoryErrorCode.DUPLICATE_LINE),
        ("negative cost", InventoryErrorCode.INVALID_UNIT_COST),
    ],
)
def test_bad_lines_are_refused_and_the_order_stays_as_it_was(draft, supplier, warehouse, product, lines, code):
    lines = {
        "none": [],
        "unknown product": [OrderLineInput(product_id=0, quantity=1)],
        "zero": [OrderLineInput(product.pk, 0)],
        "twice": [OrderLineInput(product.pk, 1), OrderLineInput(product.pk, 2)],
        "negative cost": [OrderLineInput(product.pk, 1, unit_cost=Decimal("-0.01"))],
    }[lines]

    with pytest.raises(DomainError) as refused:
        update_purchase_order(purchase_order=draft, supplier=supplier, warehouse=warehouse, lines=lines)

    assert refused.value.code == code
    draft.refresh_from_db()
    assert draft.revision == 1
    assert list(draft.lines.values_list("quantity_ordered", flat=True)) == [12]


def test_an_order_with_goods_received_cannot_be_edited(draft, supplier, warehouse, product):
    send_purchase_order(purchase_order=draft)
    line = draft.lines.get()
    receive_purchase_order(purchase_order=draft, lines=[ReceiptLine(line_id=line.pk, quantity=2)])

    with pytest.raises(DomainError) as refused:
        update_purchase_order(
            purchase_order=draft, supplier=supplier, warehouse=warehouse, lines=[OrderLineInput(product.pk, 99)]
        )

    assert refused.value.code == InventoryErrorCode.PURCHASE_ORDER_NOT_EDITABLE
    assert PurchaseOrderLine.objects.get().quantity_ordered == 12


# --- from replenishment suggestions -------------------------------------------------------------


def forecast(product, warehouse, *, reorder_point: int, target: int) -> DemandForecast:
    """A stored forecast as the nightly recompute leaves it (the suggestion's levels)."""
    return DemandForecast.objects.create(
        product=product,
        warehouse=warehouse,
        computed_at=timezone.now(),
        history_end=datetime.date(2026, 11, 30),
        method="test",
        suggested_reorder_point=reorder_point,
        suggested_target=target,
        suggested_order_qty=target,
    )


@time_machine.travel(datetime.datetime(2026, 12, 7, 9, 0, tzinfo=datetime.UTC), tick=False)
def test_suggestions_become_one_draft_per_supplier_and_warehouse():
    acme, bolt = SupplierFactory(name="Acme", lead_time_days=10), SupplierFactory(name="Bolt", lead_time_days=3)
    ber, muc = WarehouseFactory(code="BER"), WarehouseFactory(code="MUC")
    a1, a2 = ProductFactory(sku="A-1", default_supplier=acme), ProductFactory(sku="A-2", default_supplier=acme)
    b1 = ProductFactory(sku="B-1", default_supplier=bolt)
    chosen = [
        forecast(a1, ber, reorder_point=10, target=50),
        forecast(a2, ber, reorder_point=5, target=20),
        forecast(a1, muc, reorder_point=10, target=40),
        forecast(b1, ber, reorder_point=10, target=30),
    ]

    result = create_purchase_orders_from_suggestions(forecast_ids=[f.pk for f in chosen])

    assert result.skipped == []
    orders = {
        (po.supplier.name, po.warehouse.code): po
        for po in PurchaseOrder.objects.select_related("supplier", "warehouse")
    }
    assert set(orders) == {("Acme", "BER"), ("Acme", "MUC"), ("Bolt", "BER")}
    assert all(po.state == PurchaseOrderState.DRAFT for po in orders.values())
    lines = dict(orders[("Acme", "BER")].lines.values_list("product__sku", "quantity_ordered"))
    assert lines == {"A-1": 50, "A-2": 20}  # nothing on hand or inbound: the whole target
    assert orders[("Acme", "BER")].expected_date == datetime.date(2026, 12, 17)
    assert orders[("Bolt", "BER")].expected_date == datetime.date(2026, 12, 10)


def test_suggestions_that_cannot_be_ordered_are_named_and_the_rest_is_ordered(warehouse):
    acme = SupplierFactory(name="Acme")
    needs = ProductFactory(sku="NEEDS", default_supplier=acme)
    orphan = ProductFactory(sku="ORPHAN", default_supplier=None)
    full = ProductFactory(sku="FULL", default_supplier=acme)
    rows = [
        forecast(needs, warehouse, reorder_point=5, target=10),
        forecast(orphan, warehouse, reorder_point=5, target=10),
        forecast(full, warehouse, reorder_point=0, target=0),
    ]

    result = create_purchase_orders_from_suggestions(forecast_ids=[r.pk for r in rows])
    again = pytest.raises(DomainError)
    with again as refused:
        create_purchase_orders_from_suggestions(forecast_ids=[rows[0].pk])

    [po] = result.purchase_orders
    assert list(po.lines.values_list("product__sku", flat=True)) == ["NEEDS"]
    assert dict(result.skipped) == {"ORPHAN": "no default supplier", "FULL": "nothing to order now"}
    assert refused.value.code == InventoryErrorCode.NOTHING_TO_ORDER  # a second click makes no second draft
    assert PurchaseOrder.objects.count() == 1


def test_no_suggestion_chosen_creates_nothing():
    with pytest.raises(DomainError) as refused:
        create_purchase_orders_from_suggestions(forecast_ids=[987654])
    assert refused.value.code == InventoryErrorCode.NOTHING_TO_ORDER
    assert not PurchaseOrder.objects.exists()


def test_the_same_revision_is_not_sent_twice(draft):
    send_purchase_order(purchase_order=draft)
    with pytest.raises(DomainError) as refused:
        send_purchase_order(purchase_order=draft)
    assert refused.value.code == InventoryErrorCode.ALREADY_SENT
    assert CustomerMail.objects.count() == 1
