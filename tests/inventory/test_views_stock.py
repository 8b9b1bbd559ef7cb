"""Stock overview, product stock page, and the adjust / transfer / count forms."""

from __future__ import annotations

import pytest
from django.urls import resolve, reverse

from inventory.models import Product, StockLevel, StockMovement
from oms import panels
from oms.paging import encode_cursor
from tests.conftest import client_for, make_user
from tests.inventory.screens import make_bin, make_product, make_warehouse, put_stock
from tests.logins import login_as

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def _english(settings):
    """Assertions read the English texts (the German catalogue is the lead's)."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def ber():
    return make_warehouse("BER", priority=1)


@pytest.fixture
def muc():
    return make_warehouse("MUC", priority=2)


@pytest.fixture
def mug(ber, muc):
    product = make_product("MUG-001", "Blue enamel mug", gtin="4006381333931")
    put_stock(product, ber, 7, bin=make_bin(ber, "A-01-01"))
    put_stock(product, muc, 5)
    return product


def on_hand(product, warehouse) -> int:
    return StockLevel.objects.get(product=product, warehouse=warehouse).on_hand


def stock_url(**params) -> str:
    from urllib.parse import urlencode

    return reverse("inventory:stock-list") + ("?" + urlencode(params) if params else "")


# --- stock overview -----------------------------------------------------------------------------


@pytest.mark.parametrize("role_client", ["warehouse_client", "support_client", "manager_client", "admin_client_"])
def test_stock_overview_opens_for_staff_roles(request, role_client):
    client = request.getfixturevalue(role_client)
    response = client.get(stock_url())
    assert response.status_code == 200
    assert "<html" in response.content.decode()


def test_stock_overview_refuses_a_user_without_a_role_and_sends_visitors_to_login(client, django_user_model):
    assert client.get(stock_url()).status_code == 302
    client_for(client, make_user(django_user_model, "nobody", None))
    assert client.get(stock_url()).status_code == 403


def test_stock_overview_shows_totals_across_warehouses(warehouse_client, mug):
    html = warehouse_client.get(stock_url()).content.decode()
    assert "MUG-001" in html and "Blue enamel mug" in html
    row = html[html.index("MUG-001") :]
    row = row[: row.index("</tr>")]
    assert ">12<" in row  # 7 in BER + 5 in MUC


def test_stock_overview_filters_by_warehouse(warehouse_client, mug, muc):
    response = warehouse_client.get(stock_url(warehouse=muc.pk))
    row = response.content.decode().split("MUG-001", 1)[1].split("</tr>", 1)[0]
    assert ">5<" in row and ">12<" not in row


@pytest.mark.parametrize(
    ("term", "found"),
    [("MUG", True), ("mug-0", True), ("enamel", True), ("4006381333931", True), ("UG-001", False), ("kettle", False)],
)
def test_stock_overview_searches_sku_prefix_name_and_gtin(warehouse_client, mug, term, found):
    html = warehouse_client.get(stock_url(q=term)).content.decode()
    assert ("MUG-001" in html) is found


def test_low_and_out_of_stock_filters(warehouse_client, ber, mug):
    make_product("EMPTY-1", "Nothing left")
    low = make_product("LOW-1", "Only three")
    put_stock(low, ber, 3)

    low_html = warehouse_client.get(stock_url(low="on")).content.decode()
    assert "LOW-1" in low_html and "EMPTY-1" in low_html and "MUG-001" not in low_html

    out_html = warehouse_client.get(stock_url(out="on")).content.decode()
    assert "EMPTY-1" in out_html and "LOW-1" not in out_html and "MUG-001" not in out_html


def test_low_stock_uses_the_reorder_point_where_a_rule_exists(warehouse_client, ber):
    from inventory.models import ReplenishmentRule

    ruled_low = make_product("RULE-LOW")
    put_stock(ruled_low, ber, 8)
    ReplenishmentRule.objects.create(product=ruled_low, warehouse=ber, reorder_point=10, target_level=40)
    ruled_fine = make_product("RULE-FINE")
    put_stock(ruled_fine, ber, 3)
    ReplenishmentRule.objects.create(product=ruled_fine, warehouse=ber, reorder_point=2, target_level=10)
    unruled = make_product("NORULE-3")
    put_stock(unruled, ber, 3)

    html = warehouse_client.get(stock_url(low="on")).content.decode()
    assert "RULE-LOW" in html and "NORULE-3" in html
    assert "RULE-FINE" not in html


def test_stock_overview_answers_htmx_with_the_table_partial_only(warehouse_client, mug):
    response = warehouse_client.get(stock_url(q="MUG"), headers={**HX, "HX-Target": "stock-table"})
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section id="stock-table"')
    assert "<html" not in html and "MUG-001" in html


def test_stock_overview_pages_by_sku_with_next_and_previous(warehouse_client):
    for i in range(60):
        make_product(f"P-{i:03d}")
    first = warehouse_client.get(stock_url()).content.decode()
    assert "P-049" in first and "P-050" not in first
    assert 'rel="next"' in first and 'rel="prev"' not in first

    # The keyset is the sort column and the primary key (oms.lists).
    last = Product.objects.get(sku="P-049")
    second = warehouse_client.get(stock_url(after=encode_cursor(["P-049", last.pk]))).content.decode()
    assert "P-050" in second and "P-059" in second and "P-049<" not in second
    assert 'rel="prev"' in second and 'rel="next"' not in second

    first_of_second = Product.objects.get(sku="P-050")
    back = warehouse_client.get(stock_url(before=encode_cursor(["P-050", first_of_second.pk]))).content.decode()
    assert "P-000" in back and "P-049" in back and "P-050<" not in back


def test_stock_overview_ignores_a_garbage_cursor(warehouse_client, mug):
    response = warehouse_client.get(stock_url(after="", before="\x00"))
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [3, 40])
def test_stock_overview_query_count_does_not_grow_with_rows(
    warehouse_client, ber, muc, rows, django_assert_max_num_queries
):
    for i in range(rows):
        product = make_product(f"Q-{i:03d}")
        put_stock(product, ber, 2)
        put_stock(product, muc, 1)
    # session + user + roles, then the page's own: warehouses for the filter, one keyset page, the
    # count, the totals (one query) and the user's saved views
    with django_assert_max_num_queries(8):
        response = warehouse_client.get(stock_url(q="Q-", low="on"))
    assert response.status_code == 200


# --- product stock page -------------------------------------------------------------------------


def product_url(product, **params) -> str:
    from urllib.parse import urlencode

    base = reverse("inventory:product-stock", kwargs={"sku": product.sku})
    return base + ("?" + urlencode(params) if params else "")


def test_product_page_shows_levels_per_warehouse_and_bin_and_the_ledger(warehouse_client, mug):
    response = warehouse_client.get(product_url(mug))
    html = response.content.decode()
    assert response.status_code == 200
    assert "BER" in html and "MUC" in html and "A-01-01: 7" in html
    assert html.count("Receipt") >= 2  # two receipt movements in the ledger
    assert "Adjust" in html and "Transfer" in html and "Cycle count" in html


def test_product_page_hides_the_stock_forms_from_support(support_client, mug):
    html = support_client.get(product_url(mug)).content.decode()
    assert "Blue enamel mug" in html
    assert 'id="adjust-form"' not in html


def test_product_page_for_an_unknown_sku_is_404(warehouse_client):
    assert warehouse_client.get("/warehouse/products/NOPE-404/").status_code == 404


def test_product_page_works_for_a_sku_with_a_slash(warehouse_client, ber):
    product = make_product("BOX/12")
    put_stock(product, ber, 1)
    assert warehouse_client.get(product_url(product)).status_code == 200


# A SKU may be any word, also one of the stock pages' own ("export", "views", "bulk", ...) or one
# that ends like an action URL ("a/adjust"): each opens its own product, and every page stays.
SKUS_LIKE_FIXED_PATHS = [
    "export",
    "views",
    "views/1/delete",
    "bulk",
    "adjust",
    "transfer",
    "count",
    "products",
    "stock",
    "export/adjust",
    "a/adjust",
    "a/transfer",
    "a/count",
]


@pytest.mark.parametrize("sku", SKUS_LIKE_FIXED_PATHS)
def test_a_sku_named_like_a_fixed_path_opens_its_product_page(warehouse_client, ber, sku):
    product = make_product(sku, f"Product called {sku}")
    put_stock(product, ber, 4)
    url = reverse("inventory:product-stock", kwargs={"sku": sku})
    assert resolve(url).url_name == "product-stock" and resolve(url).kwargs == {"sku": sku}
    response = warehouse_client.get(url)
    assert response.status_code == 200
    assert f"Product called {sku}" in response.content.decode()


@pytest.mark.parametrize("sku", SKUS_LIKE_FIXED_PATHS)
def test_the_stock_forms_of_a_sku_named_like_a_fixed_path_change_that_product(warehouse_client, ber, sku):
    product = make_product(sku)
    other = make_product("a")  # "a/adjust" must never be read as the adjust form of "a"
    put_stock(product, ber, 4)
    put_stock(other, ber, 4)
    for name in ("stock-adjust", "stock-transfer", "stock-count"):
        match = resolve(reverse(f"inventory:{name}", kwargs={"sku": sku}))
        assert (match.url_name, match.kwargs) == (name, {"sku": sku})
    response = adjust(warehouse_client, product, warehouse=ber.pk, quantity=-1, reason="Dropped")
    assert response.status_code == 302
    assert response["Location"] == reverse("inventory:product-stock", kwargs={"sku": sku})
    assert on_hand(product, ber) == 3 and on_hand(other, ber) == 4


def test_the_stock_list_pages_still_work_beside_products_named_like_them(warehouse_client, ber):
    for sku in SKUS_LIKE_FIXED_PATHS:
        put_stock(make_product(sku), ber, 1)
    export = warehouse_client.get(reverse("inventory:stock-export"))
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    assert "views/1/delete" in b"".join(export.streaming_content).decode("utf-8-sig")
    saved = warehouse_client.post(reverse("inventory:stock-view-save"), {"name": "Low", "query": "low=on"})
    assert saved.status_code == 302
    sheet = warehouse_client.post(
        reverse("inventory:stock-bulk"),
        {"ids": [Product.objects.get(sku="bulk").pk], "action": "count-sheet"},
    )
    assert sheet.status_code == 200 and "bulk" in sheet.content.decode()


def test_product_page_renders_panels_of_the_product_stock_slot(warehouse_client, mug):
    def context(*, request, product):
        return {"text": f"Orders holding {product.sku}: 3"}

    panels.register("product-stock", name="test-orders", template="partials/empty.html", context=context)
    try:
        html = warehouse_client.get(product_url(mug)).content.decode()
    finally:
        panels._panels["product-stock"].pop("test-orders")
    assert "Orders holding MUG-001: 3" in html


def test_ledger_filters_by_kind_and_warehouse_and_answers_htmx_with_its_partial(warehouse_client, mug, muc):
    response = warehouse_client.get(
        product_url(mug, warehouse=muc.pk, kind="receipt"), headers={**HX, "HX-Target": "stock-ledger"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="stock-ledger"')
    assert "<html" not in html
    assert html.count("<td>MUC") == 1 and "<td>BER" not in html

    none = warehouse_client.get(product_url(mug, kind="scrap"), headers={**HX, "HX-Target": "stock-ledger"})
    assert "No movements match" in none.content.decode()


def test_ledger_pages_newest_first(warehouse_client, ber):
    product = make_product("PAGED-1")
    for _ in range(30):
        put_stock(product, ber, 1)  # on hand after: 1 .. 30

    def after_values(html: str) -> set[int]:
        ledger = html.split('id="stock-ledger"', 1)[1]
        return {int(cell.split("<")[0]) for cell in ledger.split('<td class="num">')[1:] if not cell.startswith("+")}

    first = warehouse_client.get(product_url(product)).content.decode()
    assert after_values(first) == set(range(6, 31))
    next_query = first.split('rel="next"')[0].rsplit('href="?', 1)[1].split('"')[0].replace("&amp;", "&")
    second = warehouse_client.get(product_url(product) + "?" + next_query).content.decode()
    assert after_values(second) == set(range(1, 6))
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_ledger_with_a_reversed_date_range_says_so(warehouse_client, mug):
    html = warehouse_client.get(product_url(mug, date_from="2026-02-01", date_to="2026-01-01")).content.decode()
    assert "must not be before" in html


@pytest.mark.parametrize("movements", [2, 30])
def test_product_page_query_count_does_not_grow_with_movements(
    warehouse_client, ber, muc, movements, django_assert_max_num_queries
):
    product = make_product("LEDGER-1")
    bins = [make_bin(ber, f"B-{i:02d}") for i in range(3)]
    for i in range(movements):
        put_stock(product, ber if i % 2 else muc, 1, bin=bins[i % 3] if i % 2 else None)
    # 3 for session/user/roles, 6 of the page (product, warehouses, levels, bins, inbound, ledger
    # page); headroom for panels other apps add to the "product-stock" slot.
    with django_assert_max_num_queries(12):
        response = warehouse_client.get(product_url(product))
    assert response.status_code == 200


# --- adjust -------------------------------------------------------------------------------------


def adjust(client, product, htmx=False, **data):
    url = reverse("inventory:stock-adjust", kwargs={"sku": product.sku})
    return client.post(url, {f"adjust-{k}": v for k, v in data.items()}, headers=HX if htmx else {})


def test_adjustment_changes_on_hand_writes_the_ledger_and_redirects_with_a_message(warehouse_client, mug, ber):
    response = adjust(warehouse_client, mug, warehouse=ber.pk, quantity=-2, reason="Broken in transit")
    assert response.status_code == 302
    assert on_hand(mug, ber) == 5
    movement = StockMovement.objects.filter(product=mug).order_by("-id").first()
    assert movement.quantity == -2 and movement.reason == "Broken in transit"
    page = warehouse_client.get(response["Location"]).content.decode()
    assert "now 5 on hand" in page


def test_adjustment_over_htmx_returns_the_fresh_form_the_new_levels_and_a_stock_changed_event(
    warehouse_client, mug, ber
):
    response = adjust(warehouse_client, mug, htmx=True, warehouse=ber.pk, quantity=3, reason="Found on shelf")
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<form id="adjust-form"')
    assert 'id="stock-levels" aria-labelledby="stock-levels-heading" hx-swap-oob="true"' in html
    assert 'id="messages"' in html and "now 10 on hand" in html
    assert "stock-changed" in response["HX-Trigger"]
    assert on_hand(mug, ber) == 10


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"quantity": 0, "reason": "x"}, "Quantity change: enter a number other than 0."),
        ({"quantity": -8, "reason": "Damaged"}, "Not enough stock"),
        ({"quantity": "abc", "reason": "x"}, "Enter a whole number."),
        ({"quantity": 1, "reason": "   "}, "This field is required."),
        ({"quantity": 1, "reason": "x", "bin": "Z-99"}, "There is no bin “Z-99” in warehouse BER."),
    ],
    ids=["zero", "below-zero", "not-a-number", "no-reason", "unknown-bin"],
)
def test_bad_adjustment_answers_422_with_a_message_and_changes_nothing(warehouse_client, mug, ber, data, message):
    movements = StockMovement.objects.count()
    response = adjust(warehouse_client, mug, htmx=True, warehouse=ber.pk, **data)
    html = response.content.decode()
    assert response.status_code == 422
    assert html.lstrip().startswith('<form id="adjust-form"')
    assert message in html
    assert 'aria-invalid="true"' in html
    assert on_hand(mug, ber) == 7 and StockMovement.objects.count() == movements


def test_bad_adjustment_without_javascript_shows_the_whole_page_with_the_error(warehouse_client, mug, ber):
    response = adjust(warehouse_client, mug, warehouse=ber.pk, quantity=0, reason="x")
    html = response.content.decode()
    assert response.status_code == 422
    assert "<html" in html and "Quantity change: enter a number other than 0." in html
    assert "The stock was not changed" in html


def test_support_may_not_adjust(support_client, mug, ber):
    response = adjust(support_client, mug, warehouse=ber.pk, quantity=5, reason="x")
    assert response.status_code == 403
    assert on_hand(mug, ber) == 7


def test_adjusting_an_unknown_sku_is_404(warehouse_client, ber):
    response = warehouse_client.post("/warehouse/stock/adjust/NOPE-1/", {"adjust-quantity": 1})
    assert response.status_code == 404


# --- transfer -----------------------------------------------------------------------------------


def transfer(client, product, htmx=True, **data):
    url = reverse("inventory:stock-transfer", kwargs={"sku": product.sku})
    return client.post(url, {f"transfer-{k}": v for k, v in data.items()}, headers=HX if htmx else {})


def test_transfer_between_warehouses_moves_units(warehouse_client, mug, ber, muc):
    response = transfer(
        warehouse_client, mug, from_warehouse=ber.pk, from_bin="A-01-01", to_warehouse=muc.pk, quantity=4
    )
    assert response.status_code == 200, response.content.decode()
    assert on_hand(mug, ber) == 3 and on_hand(mug, muc) == 9


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"to_bin": "A-01-01", "quantity": 1}, "To bin: the destination is the same as the source"),
        ({"to_bin": "", "from_bin": "", "quantity": 1}, "To bin: the destination is the same as the source"),
        ({"to_bin": "", "quantity": 0}, "The quantity must be at least 1 (got 0)."),
        ({"to_bin": "", "quantity": -3}, "The quantity must be at least 1 (got -3)."),
    ],
    ids=["same-bin", "same-warehouse-no-bins", "zero", "negative"],
)
def test_bad_transfer_answers_422_naming_the_field_and_moves_nothing(warehouse_client, mug, ber, data, message):
    data = {"from_warehouse": ber.pk, "from_bin": "A-01-01", "to_warehouse": ber.pk, **data}
    movements = StockMovement.objects.count()
    response = transfer(warehouse_client, mug, **data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert on_hand(mug, ber) == 7 and StockMovement.objects.count() == movements


def test_transfer_of_more_than_the_bin_holds_is_refused(warehouse_client, mug, ber, muc):
    movements = StockMovement.objects.count()
    response = transfer(
        warehouse_client, mug, from_warehouse=ber.pk, from_bin="A-01-01", to_warehouse=muc.pk, quantity=50
    )
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.content.decode()
    assert on_hand(mug, ber) == 7 and StockMovement.objects.count() == movements


# --- cycle count --------------------------------------------------------------------------------


def count(client, product, htmx=True, **data):
    url = reverse("inventory:stock-count", kwargs={"sku": product.sku})
    return client.post(url, {f"count-{k}": v for k, v in data.items()}, headers=HX if htmx else {})


def test_cycle_count_sets_on_hand_to_the_counted_quantity(warehouse_client, mug, muc):
    response = count(warehouse_client, mug, warehouse=muc.pk, counted_quantity=2)
    assert response.status_code == 200, response.content.decode()
    assert on_hand(mug, muc) == 2
    assert StockMovement.objects.filter(product=mug, warehouse=muc).order_by("-id").first().quantity == -3


def test_negative_count_is_refused(warehouse_client, mug, muc):
    response = count(warehouse_client, mug, warehouse=muc.pk, counted_quantity=-1)
    assert response.status_code == 422
    assert "The quantity must be at least 0 (got -1)." in response.content.decode()
    assert on_hand(mug, muc) == 5


# --- search index (PostgreSQL) ------------------------------------------------------------------


@pytest.mark.postgres
def test_product_search_is_served_by_the_trigram_indexes_on_postgresql():
    from django.db import connection

    from inventory.models import Product
    from inventory.screen_selectors import product_search_q

    for i in range(200):
        make_product(f"IDX-{i:04d}", f"Item {i} desk lamp" if i % 50 == 0 else f"Item {i}")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'inventory_product'")
        names = {row[0] for row in cursor.fetchall()}
        assert {"inventory_product_sku_trgm", "inventory_product_name_trgm"} <= names
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = Product.objects.filter(product_search_q("lamp")).order_by().explain()
    assert "inventory_product_name_trgm" in plan and "inventory_product_sku_trgm" in plan


def test_product_page_lists_open_inbound_purchase_orders(warehouse_client, mug, ber):
    from tests.inventory.screens import make_po

    make_po("PO-7001", ber, [(mug, 24)])
    html = warehouse_client.get(product_url(mug)).content.decode()
    assert "PO-7001" in html and "24 open for BER" in html


def test_navigation_offers_the_inventory_screens_to_their_roles(warehouse_client, client, manager_user):
    warehouse_home = warehouse_client.get(reverse("warehouse-home")).content.decode()
    for url_name in ("inventory:stock-list", "inventory:receiving", "inventory:purchase-order-list"):
        assert f'href="{reverse(url_name)}"' in warehouse_home
    login_as(client, manager_user)
    reports_home = client.get(reverse("reports-home")).content.decode()
    assert f'href="{reverse("inventory:csv-exchange")}"' in reports_home
