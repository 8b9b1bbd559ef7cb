"""Purchase order pages: the list on oms.lists, creating and editing a draft with its lines, sending
it to the supplier, cancelling (asked once), receiving on the order's page, and ordering the
replenishment suggestions in one step."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.models import DemandForecast, PurchaseOrder, PurchaseOrderState, StockLevel, Supplier
from inventory.services.purchasing import send_purchase_order
from inventory.services.receiving import OrderLineInput, ReceiptLine, create_purchase_order, receive_purchase_order
from oms.models import CustomerMail, Document
from tests.inventory.screens import make_bin, make_po, make_product, make_warehouse

pytestmark = pytest.mark.django_db

LIST = reverse("inventory:purchase-order-list")
NEW = reverse("inventory:purchase-order-new")


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def ber():
    warehouse = make_warehouse("BER")
    make_bin(warehouse, "R-01")
    return warehouse


@pytest.fixture
def acme():
    return Supplier.objects.create(name="Acme Supplies", email="orders@acme.example", lead_time_days=5)


@pytest.fixture
def mug():
    return make_product("MUG-001", "Blue enamel mug", gtin="4006381333931")


def detail(number: str, action: str = "detail") -> str:
    return reverse(f"inventory:purchase-order-{action}", kwargs={"number": number})


def form_data(supplier, warehouse, rows, **head):
    data = {
        "supplier": supplier.pk,
        "warehouse": warehouse.pk,
        "expected_date": head.get("expected_date", "2026-12-14"),
        "note": head.get("note", ""),
        "lines-TOTAL_FORMS": len(rows),
        "lines-INITIAL_FORMS": 0,
    }
    for i, row in enumerate(rows):
        for key, value in zip(("sku", "quantity", "unit_cost"), row, strict=False):
            data[f"lines-{i}-{key}"] = value
    return data


def draft(supplier, warehouse, product, quantity=10):
    return create_purchase_order(
        supplier=supplier,
        warehouse=warehouse,
        lines=[OrderLineInput(product_id=product.pk, quantity=quantity)],
        expected_date=datetime.date(2026, 12, 14),
        draft=True,
    )


# --- roles --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "status"), [("manager_client", 200), ("warehouse_client", 403), ("support_client", 403)]
)
def test_only_managers_create_purchase_orders(request, fixture, status):
    assert request.getfixturevalue(fixture).get(NEW).status_code == status


def test_the_warehouse_sees_an_order_but_no_ordering_actions(warehouse_client, acme, ber, mug):
    po = draft(acme, ber, mug)
    html = warehouse_client.get(detail(po.number)).content.decode()
    assert po.number in html and "Send to supplier" not in html and "Cancel purchase order" not in html
    assert warehouse_client.post(detail(po.number, "send")).status_code == 403
    assert warehouse_client.post(detail(po.number, "cancel")).status_code == 403


# --- the list -----------------------------------------------------------------------------------


def test_the_list_filters_by_supplier_state_and_expected_dates_with_count_and_totals(manager_client, acme, ber, mug):
    other = Supplier.objects.create(name="Bolt GmbH")
    early = make_po("PO-E", ber, [(mug, 4)])  # Acme, expected 2026-12-01
    late = create_purchase_order(
        supplier=other, warehouse=ber, lines=[OrderLineInput(mug.pk, 6)], expected_date=datetime.date(2026, 12, 20)
    )
    drafted = draft(acme, ber, mug)

    html = manager_client.get(LIST).content.decode()
    assert early.number in html and late.number in html and drafted.number not in html  # open ones by default
    assert "2 matches" in html and "Ordered: 10" in html

    by_supplier = manager_client.get(LIST, {"state": "", "supplier": acme.pk}).content.decode()
    assert early.number in by_supplier and drafted.number in by_supplier and late.number not in by_supplier

    by_date = manager_client.get(LIST, {"expected_from": "2026-12-10", "expected_to": "2026-12-31"}).content.decode()
    assert late.number in by_date and early.number not in by_date

    drafts = manager_client.get(LIST, {"state": "draft"}).content.decode()
    assert drafted.number in drafts and early.number not in drafts


def test_the_list_sorts_by_expected_date_and_exports_what_is_filtered(manager_client, acme, ber, mug):
    make_po("PO-E", ber, [(mug, 4)])
    create_purchase_order(
        supplier=acme, warehouse=ber, lines=[OrderLineInput(mug.pk, 6)], expected_date=datetime.date(2026, 12, 20)
    )

    soonest = manager_client.get(LIST).content.decode()
    latest = manager_client.get(LIST, {"sort": "-expected"}).content.decode()
    assert soonest.index("PO-E") < soonest.index("PO-0")
    assert latest.index("PO-0") < latest.index("PO-E")

    export = manager_client.get(reverse("inventory:purchase-order-export"), {"expected_to": "2026-12-05"})
    body = b"".join(export.streaming_content).decode("utf-8-sig")
    assert export.status_code == 200 and "PO-E" in body and "PO-0" not in body


def test_a_bad_filter_is_named_and_ignored(manager_client, ber, mug):
    make_po("PO-E", ber, [(mug, 4)])
    response = manager_client.get(LIST, {"expected_from": "31.31.2026", "supplier": "nope", "sort": "evil"})
    html = response.content.decode()
    assert response.status_code == 200 and "PO-E" in html
    assert "This filter is ignored" in html and "cannot be sorted by" in html


def test_a_saved_view_comes_back_with_one_click(manager_client, acme, ber, mug):
    response = manager_client.post(
        reverse("inventory:purchase-order-view-save"),
        {"name": "Acme drafts", "query": f"state=draft&supplier={acme.pk}"},
    )
    assert response.status_code == 302
    html = manager_client.get(LIST).content.decode()
    assert "Acme drafts" in html and f"state=draft&amp;supplier={acme.pk}" in html


# --- create and edit ----------------------------------------------------------------------------


def test_a_manager_creates_a_draft_with_lines_from_scratch(manager_client, acme, ber, mug):
    cup = make_product("CUP-002", "Espresso cup")
    data = form_data(acme, ber, [("MUG-001", "12", "3,50"), ("cup-002", "4", ""), ("", "", "")])

    response = manager_client.post(NEW, data)

    po = PurchaseOrder.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(po.number)
    assert po.state == PurchaseOrderState.DRAFT and po.expected_date == datetime.date(2026, 12, 14)
    lines = {ln.product.sku: (ln.quantity_ordered, ln.unit_cost) for ln in po.lines.select_related("product")}
    assert lines == {"MUG-001": (12, pytest.approx(3.5)), cup.sku: (4, None)}
    page = manager_client.get(response["Location"]).content.decode()
    assert "Draft" in page and "Send to supplier" in page


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("", "", "")], "enter at least one product and quantity"),
        ([("NOPE-1", "3", "")], "no product has the code"),
        ([("MUG-001", "", "")], "enter how many units to order"),
        ([("MUG-001", "0", "")], "must be at least 1"),
        ([("MUG-001", "2", "-1")], "must not be negative"),
        ([("MUG-001", "2", "abc")], "Enter an amount"),
        ([("MUG-001", "2", ""), ("mug-001", "3", "")], "on the order twice"),
        ([("", "2", "")], "enter the product of this line"),
    ],
)
def test_bad_lines_keep_what_was_typed_and_save_nothing(manager_client, acme, ber, mug, rows, message):
    response = manager_client.post(NEW, form_data(acme, ber, rows))

    html = response.content.decode()
    assert response.status_code == 422
    assert message in html
    assert "Nothing was saved" in html
    if rows[0][0]:
        assert f'value="{rows[0][0]}"' in html
    assert not PurchaseOrder.objects.exists()


def test_a_bad_head_is_refused(manager_client, acme, ber, mug):
    data = form_data(acme, ber, [("MUG-001", "1", "")], expected_date="2026-13-45")
    data["supplier"] = "999999"
    response = manager_client.post(NEW, data)
    assert response.status_code == 422 and not PurchaseOrder.objects.exists()
    assert "Enter a valid date" in response.content.decode()


def test_more_lines_adds_empty_rows_and_keeps_the_typed_ones(manager_client, acme, ber, mug):
    data = form_data(acme, ber, [("MUG-001", "7", "")])
    response = manager_client.post(f"{NEW}?more=1", data)
    html = response.content.decode()
    assert response.status_code == 200 and 'value="MUG-001"' in html and 'name="lines-3-sku"' in html
    assert not PurchaseOrder.objects.exists()


def test_editing_a_draft_changes_its_lines(manager_client, acme, ber, mug):
    po = draft(acme, ber, mug)
    assert 'value="MUG-001"' in manager_client.get(detail(po.number, "edit")).content.decode()

    response = manager_client.post(detail(po.number, "edit"), form_data(acme, ber, [("MUG-001", "25", "2.00")]))

    assert response.status_code == 302
    po.refresh_from_db()
    assert po.revision == 2 and po.lines.get().quantity_ordered == 25


def test_a_received_order_cannot_be_edited(manager_client, acme, ber, mug):
    po = make_po("PO-R", ber, [(mug, 1)])
    receive_purchase_order(purchase_order=po, lines=[ReceiptLine(line_id=po.lines.get().pk, quantity=1)])
    response = manager_client.get(detail(po.number, "edit"), follow=True)
    assert "only a draft or an open order with nothing received can be changed" in response.content.decode()
    posted = manager_client.post(detail(po.number, "edit"), form_data(acme, ber, [("MUG-001", "5", "")]))
    assert posted.status_code == 302 and po.lines.get().quantity_ordered == 1


# --- send and cancel ----------------------------------------------------------------------------


def test_sending_opens_the_order_and_mails_the_supplier(manager_client, acme, ber, mug):
    po = draft(acme, ber, mug)

    response = manager_client.post(detail(po.number, "send"), follow=True)

    html = response.content.decode()
    assert f"{po.number} is sent to Acme Supplies (orders@acme.example)" in html
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.OPEN
    assert CustomerMail.objects.get().to == "orders@acme.example"
    assert "Send again" not in html and "Send to supplier" not in html  # the supplier has this version

    again = manager_client.post(detail(po.number, "send"))  # a second click, from a stale page
    assert again.status_code == 422 and "was sent to the supplier already" in again.content.decode()
    assert CustomerMail.objects.count() == 1

    manager_client.post(detail(po.number, "edit"), form_data(acme, ber, [("MUG-001", "15", "")]))
    assert "Send again" in manager_client.get(detail(po.number)).content.decode()


def test_sending_to_a_supplier_without_address_says_why(manager_client, ber, mug):
    silent = Supplier.objects.create(name="Silent Ltd")
    po = draft(silent, ber, mug)
    response = manager_client.post(detail(po.number, "send"))
    assert response.status_code == 422
    assert "Silent Ltd has no e-mail address" in response.content.decode()
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.DRAFT


def test_cancel_is_asked_once_then_done(manager_client, acme, ber, mug):
    po = draft(acme, ber, mug)
    page = manager_client.get(detail(po.number)).content.decode()
    assert f"Yes, cancel {po.number}" in page

    response = manager_client.post(detail(po.number, "cancel"), follow=True)

    assert f"{po.number} is cancelled." in response.content.decode()
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.CANCELLED
    again = manager_client.post(detail(po.number, "cancel"))
    assert again.status_code == 409


def test_an_unknown_order_is_404_for_every_action(manager_client):
    for action in ("detail", "edit"):
        assert manager_client.get(detail("PO-NONE", action)).status_code == 404
    for action in ("send", "cancel", "receive"):
        assert manager_client.post(detail("PO-NONE", action)).status_code == 404


# --- receive on the order's page ----------------------------------------------------------------


def test_receiving_on_the_order_page_puts_units_into_stock(manager_client, acme, ber, mug):
    po = draft(acme, ber, mug, quantity=10)
    send_purchase_order(purchase_order=po)
    line = po.lines.get()

    response = manager_client.post(detail(po.number, "receive"), {f"line_{line.pk}": "4", "bin": "R-01"}, follow=True)

    assert "Received 4 units on 1 lines" in response.content.decode()
    assert StockLevel.objects.get(product=mug, warehouse=ber).on_hand == 4
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.PARTIALLY_RECEIVED


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "Enter the units that arrived"),
        ({"line": "11"}, "more than"),
        ({"line": "-3"}, "must be at least 0"),
        ({"line": "2", "bin": "X-99"}, "There is no bin"),
    ],
)
def test_bad_receipts_book_nothing(manager_client, acme, ber, mug, data, message):
    po = draft(acme, ber, mug, quantity=10)
    send_purchase_order(purchase_order=po)
    line = po.lines.get()
    posted = {k: v for k, v in data.items() if k != "line"}
    if "line" in data:
        posted[f"line_{line.pk}"] = data["line"]

    response = manager_client.post(detail(po.number, "receive"), posted)

    assert response.status_code == 422 and message in response.content.decode()
    assert not StockLevel.objects.filter(product=mug, on_hand__gt=0).exists()


def test_a_draft_cannot_receive(manager_client, acme, ber, mug):
    po = draft(acme, ber, mug)
    response = manager_client.post(detail(po.number, "receive"), {f"line_{po.lines.get().pk}": "1"})
    assert response.status_code == 409 and "cannot receive goods" in response.content.decode()


# --- from replenishment suggestions -------------------------------------------------------------


def suggestion(product, warehouse, *, target: int) -> DemandForecast:
    return DemandForecast.objects.create(
        product=product,
        warehouse=warehouse,
        computed_at=timezone.now(),
        history_end=datetime.date(2026, 11, 30),
        method="test",
        suggested_reorder_point=target // 2,
        suggested_target=target,
        suggested_order_qty=target,
    )


def test_ticked_suggestions_become_drafts_grouped_by_supplier(manager_client, acme, ber):
    bolt = Supplier.objects.create(name="Bolt GmbH", email="b@bolt.example")
    a = make_product("A-1")
    b = make_product("B-1")
    for product, supplier in ((a, acme), (b, bolt)):
        product.default_supplier = supplier
        product.save()
    rows = [suggestion(a, ber, target=30), suggestion(b, ber, target=8)]

    page = manager_client.get(reverse("inventory:replenishment-list")).content.decode()
    assert "Create purchase orders" in page and f'value="{rows[0].pk}" checked' in page

    response = manager_client.post(reverse("inventory:replenishment-order"), {"ids": [r.pk for r in rows]}, follow=True)

    html = response.content.decode()
    assert "2 draft purchase orders created" in html
    assert dict(PurchaseOrder.objects.values_list("supplier__name", "lines__quantity_ordered")) == {
        "Acme Supplies": 30,
        "Bolt GmbH": 8,
    }


@pytest.mark.parametrize(
    ("ids", "message"), [([], "Tick at least one suggestion first."), (["x1"], "is not a suggestion")]
)
def test_ordering_no_or_bad_suggestions_says_so(manager_client, ids, message):
    response = manager_client.post(reverse("inventory:replenishment-order"), {"ids": ids})
    assert response.status_code == 422 and message in response.content.decode()
    assert not PurchaseOrder.objects.exists()


def test_a_suggestion_without_supplier_is_named(manager_client, ber):
    orphan = make_product("ORPHAN-1")
    row = suggestion(orphan, ber, target=10)
    response = manager_client.post(reverse("inventory:replenishment-order"), {"ids": [row.pk]})
    html = response.content.decode()
    assert response.status_code == 422
    assert "No purchase order was created" in html and "ORPHAN-1: no default supplier" in html


def test_the_mail_preview_shows_a_sent_order_and_stores_no_pdf_for_an_unsent_one(
    support_client, acme, ber, mug, django_capture_on_commit_callbacks
):
    unsent = draft(acme, ber, mug)
    preview = reverse("support-mail-preview")
    assert support_client.get(preview, {"kind": "purchase_order", "language": "en"}).status_code == 200
    assert not Document.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        send_purchase_order(purchase_order=unsent)
    html = support_client.get(preview, {"kind": "purchase_order", "language": "en"}).content.decode()

    assert f"Purchase order {unsent.number}" in html
    assert Document.objects.count() == 1
