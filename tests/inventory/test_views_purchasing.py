"""Receiving screen and purchase order list/detail."""

from __future__ import annotations

import pytest
from django.urls import reverse

from inventory.models import PurchaseOrder, PurchaseOrderState, StockLevel, StockMovement
from tests.inventory.screens import make_bin, make_po, make_product, make_warehouse
from tests.logins import login_as

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _english(settings):
    """Assertions read the English texts (the German catalogue is the lead's)."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def ber():
    return make_warehouse("BER")


@pytest.fixture
def po(ber):
    make_bin(ber, "R-01")
    mug = make_product("MUG-001", "Blue enamel mug", gtin="4006381333931")
    cup = make_product("CUP-002", "Espresso cup")
    return make_po("PO-1001", ber, [(mug, 10), (cup, 4)])


def receive(client, number="PO-1001", htmx=True, **data):
    url = reverse("inventory:receiving-receive", kwargs={"number": number})
    return client.post(url, {f"receive-{k}": v for k, v in data.items()}, headers=HX if htmx else {})


def on_hand(sku: str) -> int:
    level = StockLevel.objects.filter(product__sku=sku).first()
    return level.on_hand if level else 0


# --- receiving ----------------------------------------------------------------------------------


def test_receiving_is_for_the_warehouse_role(client, warehouse_client, support_user, manager_user, po):
    assert warehouse_client.get(reverse("inventory:receiving")).status_code == 200
    for user in (support_user, manager_user):
        login_as(client, user)
        assert client.get(reverse("inventory:receiving")).status_code == 403


def test_receiving_lists_open_purchase_orders_and_focuses_the_scanner_input(warehouse_client, po):
    html = warehouse_client.get(reverse("inventory:receiving")).content.decode()
    assert "PO-1001" in html and "Acme Supplies" in html
    assert 'name="po"' in html and "data-autofocus" in html


def test_scanning_a_po_number_shows_its_lines_and_moves_focus_to_the_line_input(warehouse_client, po):
    response = warehouse_client.get(
        reverse("inventory:receiving") + "?po=po-1001", headers={**HX, "HX-Target": "receiving-work"}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="receiving-work"')
    assert "MUG-001" in html and "CUP-002" in html
    assert html.count("data-autofocus") == 1
    code_input = (
        html.split('name="receive-code"')[0].rsplit("<input", 1)[1] + html.split('name="receive-code"')[1].split(">")[0]
    )
    assert "data-autofocus" in code_input


@pytest.mark.parametrize(
    ("number", "message"), [("PO-404", "there is no PO “PO-404”"), ("", "This field is required.")]
)
def test_unknown_po_number_answers_422_with_a_message(warehouse_client, po, number, message):
    response = warehouse_client.get(reverse("inventory:receiving") + f"?po={number}")
    assert response.status_code == 422
    assert message in response.content.decode()


def test_receiving_a_line_partially_books_stock_and_updates_the_lines(warehouse_client, po):
    response = receive(warehouse_client, code="4006381333931", quantity=6, bin="R-01")
    html = response.content.decode()
    assert response.status_code == 200, html
    assert response["HX-Retarget"] == "#receiving-work"
    assert "Received 6 x MUG-001 for PO-1001" in html
    assert on_hand("MUG-001") == 6
    po.refresh_from_db()
    assert po.state == PurchaseOrderState.PARTIALLY_RECEIVED
    assert po.lines.get(product__sku="MUG-001").quantity_received == 6


def _input(html: str, name: str) -> str:
    """The ``<input …>`` tag named ``name``."""
    before, after = html.split(f'name="{name}"', 1)
    return before.rsplit("<input", 1)[1] + after.split(">", 1)[0]


def test_the_line_form_offers_one_unit_and_keeps_the_bin_of_the_last_receipt(warehouse_client, po):
    opened = warehouse_client.get(reverse("inventory:receiving") + "?po=PO-1001").content.decode()
    assert 'value="1"' in _input(opened, "receive-quantity")
    assert "value=" not in _input(opened, "receive-bin")

    html = receive(warehouse_client, code="MUG-001", quantity=3, bin="r-01").content.decode()
    assert 'value="1"' in _input(html, "receive-quantity")
    assert 'value="R-01"' in _input(html, "receive-bin")
    assert 'value="MUG-001"' not in _input(html, "receive-code")

    # Without JavaScript the redirect carries the bin to the next form.
    response = receive(warehouse_client, code="CUP-002", quantity=1, bin="R-01", htmx=False)
    assert response.status_code == 302 and "bin=R-01" in response["Location"]
    page = warehouse_client.get(response["Location"]).content.decode()
    assert 'value="R-01"' in _input(page, "receive-bin")
    assert on_hand("MUG-001") == 3 and on_hand("CUP-002") == 1


@pytest.mark.parametrize("junk", ["<script>", "A" * 40, "a b", "%00"])
def test_a_bin_in_the_address_that_is_no_bin_code_is_not_offered(warehouse_client, po, junk):
    page = warehouse_client.get(reverse("inventory:receiving"), {"po": "PO-1001", "bin": junk})
    assert page.status_code == 200
    assert "value=" not in _input(page.content.decode(), "receive-bin")


@pytest.mark.parametrize("code", ["04006381333931", "mug-001"], ids=["gtin-14-from-the-scanner", "lower-case-sku"])
def test_receiving_finds_the_line_by_a_padded_gtin_or_a_lower_case_sku(warehouse_client, po, code):
    response = receive(warehouse_client, code=code, quantity=2)
    assert response.status_code == 200, response.content.decode()
    assert on_hand("MUG-001") == 2


def test_receiving_every_line_in_full_completes_the_po(warehouse_client, po):
    assert receive(warehouse_client, code="MUG-001", quantity=10).status_code == 200
    response = receive(warehouse_client, code="cup-002", quantity=4, htmx=False)
    assert response.status_code == 302
    assert PurchaseOrder.objects.get(pk=po.pk).state == PurchaseOrderState.RECEIVED
    page = warehouse_client.get(response["Location"]).content.decode()
    assert "nothing more to receive" in page
    assert 'id="receive-form"' not in page


def test_receiving_all_open_quantities_at_once_completes_the_po(warehouse_client, po):
    receive(warehouse_client, code="MUG-001", quantity=4)
    url = reverse("inventory:receiving-receive-all", kwargs={"number": "PO-1001"})
    response = warehouse_client.post(url, {"all-bin": "R-01"}, headers=HX)
    assert response.status_code == 200
    assert "Received all open quantities of PO-1001: 10 units on 2 lines." in response.content.decode()
    assert on_hand("MUG-001") == 10 and on_hand("CUP-002") == 4
    assert PurchaseOrder.objects.get(pk=po.pk).state == PurchaseOrderState.RECEIVED


def test_receiving_all_into_an_unknown_bin_receives_nothing(warehouse_client, po):
    url = reverse("inventory:receiving-receive-all", kwargs={"number": "PO-1001"})
    response = warehouse_client.post(url, {"all-bin": "NOPE-1"}, headers=HX)
    assert response.status_code == 422
    assert "There is no bin “NOPE-1” in warehouse BER." in response.content.decode()
    assert StockMovement.objects.count() == 0


def test_receiving_on_a_received_po_is_refused(warehouse_client, po):
    url = reverse("inventory:receiving-receive-all", kwargs={"number": "PO-1001"})
    warehouse_client.post(url, {}, headers=HX)
    response = receive(warehouse_client, code="MUG-001", quantity=1)
    assert response.status_code == 422
    assert "cannot receive goods" in response.content.decode()


def test_over_receipt_needs_the_confirmation_checkbox(warehouse_client, po):
    refused = receive(warehouse_client, code="MUG-001", quantity=12)
    assert refused.status_code == 422
    assert "Confirm to receive anyway" in refused.content.decode() or "exceeds" in refused.content.decode()
    assert on_hand("MUG-001") == 0

    accepted = receive(warehouse_client, code="MUG-001", quantity=12, confirm_over_receipt="on")
    assert accepted.status_code == 200
    assert on_hand("MUG-001") == 12


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"code": "NOPE-1", "quantity": 1}, "SKU or GTIN: no product has the code “NOPE-1”."),
        ({"code": "MUG-001", "quantity": 0}, "The quantity must be at least 1 (got 0)."),
        ({"code": "MUG-001", "quantity": -4}, "The quantity must be at least 1 (got -4)."),
        ({"code": "MUG-001", "quantity": 1, "bin": "X-99"}, "There is no bin “X-99” in warehouse BER."),
    ],
    ids=["unknown-code", "zero", "negative", "unknown-bin"],
)
def test_bad_receiving_input_answers_422_naming_the_field_and_books_nothing(warehouse_client, po, data, message):
    response = receive(warehouse_client, **data)
    html = response.content.decode()
    assert response.status_code == 422
    assert html.lstrip().startswith('<form id="receive-form"')
    assert message in html
    assert StockMovement.objects.count() == 0


def test_a_product_not_on_the_po_is_refused(warehouse_client, po):
    make_product("LAMP-9")
    response = receive(warehouse_client, code="LAMP-9", quantity=1)
    assert response.status_code == 422
    assert "is not on this purchase order" in response.content.decode()


# --- purchase orders ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "status"), [("warehouse_client", 200), ("manager_client", 200), ("support_client", 403)]
)
def test_purchase_order_pages_roles(request, po, fixture, status):
    client = request.getfixturevalue(fixture)
    assert client.get(reverse("inventory:purchase-order-list")).status_code == status
    assert client.get(reverse("inventory:purchase-order-detail", kwargs={"number": "PO-1001"})).status_code == status


def test_purchase_order_list_shows_open_orders_with_totals_and_filters(warehouse_client, po, ber):
    done = make_po("PO-0999", ber, [(make_product("OLD-1"), 1)])
    done.cancel()
    done.save()
    html = warehouse_client.get(reverse("inventory:purchase-order-list")).content.decode()
    assert "PO-1001" in html and "PO-0999" not in html
    assert ">14<" in html  # 10 + 4 ordered

    all_html = warehouse_client.get(reverse("inventory:purchase-order-list") + "?state=").content.decode()
    assert "PO-0999" in all_html

    partial = warehouse_client.get(
        reverse("inventory:purchase-order-list") + "?q=acme", headers={**HX, "HX-Target": "purchase-order-table"}
    )
    assert partial.content.decode().lstrip().startswith('<section id="purchase-order-table"')


def test_purchase_order_detail_shows_ordered_received_and_open_per_line(warehouse_client, po):
    receive(warehouse_client, code="MUG-001", quantity=3)
    html = warehouse_client.get(
        reverse("inventory:purchase-order-detail", kwargs={"number": "PO-1001"})
    ).content.decode()
    mug_row = html.split("MUG-001", 2)[2].split("</tr>")[0]
    assert ">10<" in mug_row and ">3<" in mug_row and ">7<" in mug_row


def test_unknown_purchase_order_is_404(warehouse_client):
    assert (
        warehouse_client.get(reverse("inventory:purchase-order-detail", kwargs={"number": "PO-X"})).status_code == 404
    )


@pytest.mark.parametrize("orders", [2, 30])
def test_purchase_order_list_query_count_does_not_grow(warehouse_client, ber, orders, django_assert_max_num_queries):
    product = make_product("Q-1")
    for i in range(orders):
        make_po(f"PO-{i:04d}", ber, [(product, 5)])
    # Session, user, roles, warehouses, suppliers, the page, the count, two totals, saved views.
    with django_assert_max_num_queries(10):
        assert warehouse_client.get(reverse("inventory:purchase-order-list")).status_code == 200
