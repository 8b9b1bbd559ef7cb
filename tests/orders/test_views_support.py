"""Support desk: search by every key, the order page, agent actions (legal and illegal), budgets."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from oms import panels
from oms.paging import decode_cursor, encode_cursor
from orders.models import Note, Order, OrderEvent, OrderState
from orders.views.order_list import ORDER_LIST
from tests.orders.support_fixtures import *  # noqa: F403  (fixtures)
from tests.orders.support_fixtures import place

LIST = "orders:support-order-list"


def _detail(order: Order) -> str:
    return reverse("orders:support-order-detail", args=[order.number])


def _action(order: Order, verb: str) -> str:
    return reverse(f"orders:support-order-{verb}", args=[order.number])


@pytest.fixture
def orders(catalogue, webshop, marketplace):
    anna = place(webshop, external_id="SHOP-1001")
    bob = place(
        marketplace,
        email="bob.meier@example.org",
        name="Bob Meier",
        phone="+49 89 555 0199",
        postcode="80331",
        city="München",
        street="Hauptstraße 1",
        lines=[("MUG-WHT", 1, "12.50")],
        external_id="AMZ-77",
    )
    return {"anna": anna, "bob": bob}


# --- access ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", [LIST, "orders:support-case-list", "orders:support-phone-order", "orders:support-order-import"]
)
def test_support_pages_need_the_support_role(name, client, warehouse_user, support_user, db):
    url = reverse(name)
    assert client.get(url).status_code == 302  # anonymous -> login
    client.force_login(warehouse_user)
    assert client.get(url).status_code == 403
    client.force_login(support_user)
    assert client.get(url).status_code == 200


def test_order_page_refuses_warehouse_staff_and_sends_anonymous_to_login(client, warehouse_user, orders):
    url = _detail(orders["anna"])
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(warehouse_user)
    assert client.get(url).status_code == 403
    assert client.post(_action(orders["anna"], "hold"), {"hold-reason": "x"}).status_code == 403
    orders["anna"].refresh_from_db()
    assert orders["anna"].state == OrderState.ALLOCATED


def test_support_home_shows_the_search_box_and_case_summary(support_client, db):
    body = support_client.get(reverse("support-home")).content.decode()
    assert 'action="/support/orders/"' in body
    assert "open cases" in body.lower() or "offene" in body.lower()


# --- search ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query, who",
    [
        ("anna@example.com", "anna"),
        ("ANNA@example.com", "anna"),
        ("SHOP-1001", "anna"),
        ("10115", "anna"),
        ("Schmidt", "anna"),
        ("anna schmidt", "anna"),
        ("80331", "bob"),
        ("Bob Meier", "bob"),
        ("AMZ-77", "bob"),
        ("MUG-WHT", "bob"),
        ("555 0199", "bob"),  # the phone; "555" alone could be in an order number (2026-006555)
        ("München", "bob"),
        ("meier münchen", "bob"),
    ],
)
def test_search_finds_an_order_by_each_key(support_client, orders, query, who):
    response = support_client.get(reverse(LIST), {"q": query})

    body = response.content.decode()
    assert response.status_code == 200
    target = orders[who]
    other = orders["bob" if who == "anna" else "anna"]
    assert target.number in body
    assert other.number not in body


def test_search_by_number_lists_the_exact_match_first(support_client, orders):
    number = orders["bob"].number
    body = support_client.get(reverse(LIST), {"q": number}).content.decode()
    assert "Exact matches" in body or "Genaue Treffer" in body
    assert body.index(number) < body.find(orders["anna"].number) or orders["anna"].number not in body


def test_a_partial_number_still_finds_the_order(support_client, orders):
    number = orders["bob"].number
    body = support_client.get(reverse(LIST), {"q": number[:-1]}).content.decode()
    assert number in body
    assert "Exact matches" not in body


def test_search_by_e_mail_finds_the_customers_orders_even_under_another_order_e_mail(support_client, orders, webshop):
    # An order keeps the e-mail given with it; the customer's own e-mail finds it too.
    other = place(webshop, email="anna@example.com", name="Anna Schmidt")
    Order.objects.filter(pk=other.pk).update(email="anna.office@example.com")
    body = support_client.get(reverse(LIST), {"q": "Anna@Example.com"}).content.decode()
    assert "Exact matches" in body
    assert orders["anna"].number in body and other.number in body
    assert orders["bob"].number not in body


def test_a_postcode_lists_the_orders_shipped_there_and_not_those_that_merely_contain_it(
    support_client, orders, webshop
):
    # Order numbers, phone numbers and external ids contain digit runs that look like postcodes.
    caller = place(webshop, email="caller@example.com", name="Carl Caller", phone="+49 30 803310", postcode="10117")
    body = support_client.get(reverse(LIST), {"q": "80331"}).content.decode()
    assert "Exact matches" in body
    assert orders["bob"].number in body and caller.number not in body
    # A digit run that is nobody's postcode is searched as text: the phone number finds the caller.
    body = support_client.get(reverse(LIST), {"q": "803310"}).content.decode()
    assert caller.number in body and orders["bob"].number not in body
    assert "Exact matches" not in body


def test_exact_matches_are_paged_without_repeats(support_client, catalogue, webshop, monkeypatch):
    placed = {place(webshop, email="many@example.com").number for _ in range(5)}
    place(webshop, email="someone.else@example.com")
    monkeypatch.setattr(ORDER_LIST, "page_size", 2)
    seen: list[str] = []
    params = {"q": "many@example.com"}
    for _ in range(5):
        response = support_client.get(reverse(LIST), params)
        assert response.context["exact"] is True
        page = response.context["page"]
        seen += [o.number for o in page.rows]
        if not page.has_next:
            break
        params = dict(p.split("=") for p in page.next_query.split("&"))
        params = {k: v.replace("%40", "@") for k, v in params.items()}
    assert sorted(seen) == sorted(placed)


def test_search_filters_by_state_and_channel(support_client, orders):
    body = support_client.get(reverse(LIST), {"channel": "market"}).content.decode()
    assert orders["bob"].number in body and orders["anna"].number not in body
    body = support_client.get(reverse(LIST), {"state": "cancelled"}).content.decode()
    assert orders["bob"].number not in body and orders["anna"].number not in body
    # An unknown filter value (old bookmark) is ignored, not a 500.
    assert support_client.get(reverse(LIST), {"state": "nonsense"}).status_code == 200


def test_search_htmx_answers_only_the_table(support_client, orders):
    response = support_client.get(reverse(LIST), {"q": "anna"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="order-table"')
    assert "<html" not in body
    assert "Anna Schmidt" in body and "10115 Berlin" in body and "Web shop" in body
    full = support_client.get(reverse(LIST), {"q": "anna"}).content.decode()
    assert "<html" in full and 'hx-push-url="true"' in full
    assert 'lang="en"' in full  # tests read English texts (english_ui)


def test_keyset_pages_walk_all_orders_once(support_client, catalogue, webshop, monkeypatch):
    placed = {place(webshop, email=f"c{i}@example.com").number for i in range(7)}
    seen: list[str] = []
    monkeypatch.setattr(ORDER_LIST, "page_size", 3)
    url = reverse(LIST)
    params: dict[str, str] = {}
    for _ in range(5):
        response = support_client.get(url, params)
        page = response.context["page"]
        seen += [o.number for o in page.rows]
        if not page.has_next:
            break
        params = dict(p.split("=") for p in page.next_query.split("&"))
    assert sorted(seen) == sorted(placed)
    assert len(seen) == len(set(seen))


def test_cursor_roundtrip_and_tampered_cursor_is_first_page(support_client, orders):
    order = orders["anna"]
    assert decode_cursor(encode_cursor([order.created_at, order.pk])) == [order.created_at.isoformat(), order.pk]
    assert decode_cursor("%%%garbage") is None
    assert support_client.get(reverse(LIST), {"after": "garbage!!"}).status_code == 200


def test_search_query_count_does_not_grow_with_rows(support_client, catalogue, webshop, django_assert_max_num_queries):
    for i in range(3):
        place(webshop, email=f"few{i}@example.com")
    # Session, user, the channels of the filter, the search's lookups, the page, the count, the
    # totals and the saved views: a fixed number, however many orders match.
    with django_assert_max_num_queries(11) as few:
        support_client.get(reverse(LIST), {"q": "example.com"})
    for i in range(12):
        place(webshop, email=f"many{i}@example.com")
    with django_assert_max_num_queries(len(few.captured_queries)):
        support_client.get(reverse(LIST), {"q": "example.com"})


# --- order page ------------------------------------------------------------------------------------


def test_order_page_shows_lines_customer_address_money_routing_and_timeline(support_client, orders):
    order = orders["anna"]
    body = support_client.get(_detail(order)).content.decode()
    for text in ("SHIRT-BLK-M", "Anna Schmidt", "anna@example.com", "Lindenstraße 5", "10115", "Berlin"):
        assert text in body
    assert 'id="order-timeline"' in body and 'id="order-routing"' in body
    assert "Not routed yet" not in body and "Noch nicht" not in body  # intake routed it
    assert ">Hold<" in body or ">Anhalten<" in body or 'name="hold-reason"' in body
    assert 'name="cancel-reason"' in body


def test_order_page_shows_tags_notes_payments_and_the_money_summary(support_client, orders):
    from orders.models import Tag
    from orders.services.lifecycle import add_note
    from orders.services.payments import record_payment

    order = orders["anna"]
    order.tags.add(Tag.objects.create(name="VIP"))
    add_note(order=order, text="Prefers delivery after 5 pm")
    record_payment(order=order, kind="capture", amount=Decimal("10.00"), provider="bank", provider_reference="TX-9")

    body = support_client.get(_detail(order)).content.decode()

    assert 'data-tag="VIP"' in body
    assert "Prefers delivery after 5 pm" in body
    assert "Capture (bank)" in body
    assert "Charged" in body and "Owed" in body
    assert "VAT 19 %" in body and "19.00" not in body


def test_order_page_renders_panels_of_higher_apps(support_client, orders):
    seen = {}

    def context(*, order, request):
        seen["order"] = order
        return {"text": f"Shipments of {order.number}: DHL 123"}

    panels.register("order-detail", name="test-shipments", template="partials/empty.html", context=context)
    try:
        body = support_client.get(_detail(orders["anna"])).content.decode()
    finally:
        panels._panels["order-detail"].pop("test-shipments", None)
    assert f"Shipments of {orders['anna'].number}: DHL 123" in body
    assert seen["order"] == orders["anna"]


def test_unknown_order_number_is_404(support_client, db):
    assert support_client.get("/support/orders/NOPE-1/").status_code == 404


def test_order_page_query_count_does_not_grow_with_lines_and_events(
    support_client, catalogue, webshop, django_assert_max_num_queries
):
    small = place(webshop, lines=[("SHIRT-BLK-M", 1, "24.90")])
    # 20: the order that replaces this one (exchanges, claims) is read once, whatever the order;
    # the payments are read once, for the money rows and the refund form alike.
    with django_assert_max_num_queries(20) as first:
        support_client.get(_detail(small))
    big = place(
        webshop,
        email="big@example.com",
        lines=[("SHIRT-BLK-M", 1, "24.90"), ("MUG-WHT", 2, "12.50"), ("LAMP-XL", 1, "149.00")],
    )
    for i in range(5):
        Note.objects.create(order=big, text=f"note {i}", author_label="x")
    # LAMP-XL has no stock: the big order is backordered, and its page also reads when the missing
    # units are expected (older backorders, open purchase orders): two queries, whatever the lines.
    assert big.state == OrderState.BACKORDERED
    with django_assert_max_num_queries(len(first.captured_queries) + 2):
        support_client.get(_detail(big))


def test_order_page_htmx_answers_the_body_partial(support_client, orders):
    response = support_client.get(_detail(orders["anna"]), headers={"HX-Request": "true"})
    body = response.content.decode()
    assert 'id="order-body"' in body and "<html" not in body


# --- actions ---------------------------------------------------------------------------------------


def test_hold_with_reason_then_unhold_returns_to_allocated(support_client, orders):
    order = orders["anna"]
    response = support_client.post(
        _action(order, "hold"), {"hold-reason": "Address check"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="order-body"' in body and "Address check" in body
    order.refresh_from_db()
    assert order.state == OrderState.ON_HOLD and order.hold_reason == "Address check"
    assert OrderEvent.objects.filter(order=order, to_state=OrderState.ON_HOLD).exists()

    support_client.post(_action(order, "unhold"), headers={"HX-Request": "true"})
    order.refresh_from_db()
    assert order.state == OrderState.ALLOCATED


def test_hold_without_reason_is_422_and_saves_nothing(support_client, orders):
    order = orders["anna"]
    response = support_client.post(_action(order, "hold"), {"hold-reason": ""}, headers={"HX-Request": "true"})
    assert response.status_code == 422
    order.refresh_from_db()
    assert order.state == OrderState.ALLOCATED


def test_cancel_whole_order_releases_it_and_a_second_cancel_is_refused(support_client, orders):
    order = orders["anna"]
    response = support_client.post(_action(order, "cancel"), {"cancel-reason": "Customer called"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    assert all(line.quantity_allocated == 0 for line in order.lines.all())

    again = support_client.post(_action(order, "cancel"), {"cancel-reason": "twice"}, headers={"HX-Request": "true"})
    assert again.status_code == 422
    assert "cancel" in again.content.decode().lower()
    order.refresh_from_db()
    assert order.cancel_reason == "Customer called"


def test_illegal_unhold_shows_a_message_and_changes_nothing(support_client, orders):
    order = orders["anna"]
    events = order.events.count()
    response = support_client.post(_action(order, "unhold"))
    assert response.status_code == 409
    assert 'class="message message-error"' in response.content.decode()
    order.refresh_from_db()
    assert order.state == OrderState.ALLOCATED
    assert order.events.count() == events


def test_cancel_single_line_quantity(support_client, catalogue, webshop):
    order = place(webshop, lines=[("SHIRT-BLK-M", 3, "24.90"), ("MUG-WHT", 1, "12.50")])
    shirt = order.lines.get(sku="SHIRT-BLK-M")
    response = support_client.post(
        _action(order, "cancel-lines"),
        {f"lines-line_{shirt.pk}": "2", "lines-reason": "Out of size"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200, response.content.decode()[:2000]
    shirt.refresh_from_db()
    assert shirt.quantity_cancelled == 2
    order.refresh_from_db()
    assert order.state != OrderState.CANCELLED


def test_cancel_lines_more_than_open_is_422(support_client, orders):
    order = orders["anna"]
    line = order.lines.get()
    response = support_client.post(
        _action(order, "cancel-lines"),
        {f"lines-line_{line.pk}": "99", "lines-reason": "x"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    line.refresh_from_db()
    assert line.quantity_cancelled == 0


def test_a_refused_line_cancellation_keeps_the_typed_quantities_and_reason(support_client, catalogue, webshop):
    order = place(webshop, lines=[("SHIRT-BLK-M", 3, "24.90"), ("MUG-WHT", 1, "12.50")])
    shirt = order.lines.get(sku="SHIRT-BLK-M")
    mug = order.lines.get(sku="MUG-WHT")
    for headers in ({"HX-Request": "true"}, {}):
        # No reason given: refused, and nothing typed is lost.
        response = support_client.post(
            _action(order, "cancel-lines"),
            {f"lines-line_{shirt.pk}": "2", f"lines-line_{mug.pk}": "0"},
            headers=headers,
        )
        body = response.content.decode()
        assert response.status_code == 422
        assert f'name="lines-line_{shirt.pk}" min="0" max="3" value="2"' in body
        assert f'name="lines-line_{mug.pk}" min="0" max="1" value="0"' in body
    # Too many: the typed quantity and the reason stay for the agent to correct.
    response = support_client.post(
        _action(order, "cancel-lines"), {f"lines-line_{shirt.pk}": "7", "lines-reason": "Out of size"}
    )
    body = response.content.decode()
    assert f'name="lines-line_{shirt.pk}" min="0" max="3" value="7"' in body and 'value="Out of size"' in body
    shirt.refresh_from_db()
    assert shirt.quantity_cancelled == 0


def test_cancelling_an_order_asks_once_before_it_is_sent(support_client, orders):
    order = orders["anna"]
    body = support_client.get(_detail(order), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    form = body[body.index(f'action="{_action(order, "cancel")}"') :]
    form = form[: form.index("</form>")]
    assert f'hx-confirm="Cancel order {order.number}? Its reserved stock is released; this cannot be undone."' in form
    assert 'hx-confirm="Cancel the typed quantities of these lines?"' in body


def test_edit_shipping_address_before_release(support_client, orders):
    order = orders["anna"]
    data = {
        "address-name": "Anna Schmidt",
        "address-street": "Neue Straße 9",
        "address-postcode": "10117",
        "address-city": "Berlin",
        "address-country": "de",
    }
    response = support_client.post(_action(order, "edit-address"), data, headers={"HX-Request": "true"})
    assert response.status_code == 200
    order.refresh_from_db()
    assert (order.shipping_street, order.shipping_postcode, order.shipping_country) == ("Neue Straße 9", "10117", "DE")

    bad = support_client.post(
        _action(order, "edit-address"), {**data, "address-country": "1"}, headers={"HX-Request": "true"}
    )
    assert bad.status_code == 422
    order.refresh_from_db()
    assert order.shipping_country == "DE"


def test_add_note_inline(support_client, orders):
    order = orders["anna"]
    url = reverse("orders:support-order-note", args=[order.number])
    response = support_client.post(url, {"text": "Called, will pay tomorrow"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="order-notes"') and "Called, will pay tomorrow" in body
    assert Note.objects.filter(order=order, text="Called, will pay tomorrow").exists()
    assert support_client.post(url, {"text": "  "}, headers={"HX-Request": "true"}).status_code == 422


# --- edit lines before release ---------------------------------------------------------------------


def _reserved(product) -> int:
    from inventory.models import StockLevel

    return sum(StockLevel.objects.filter(product=product).values_list("reserved", flat=True))


def test_edit_lines_changes_a_quantity_adds_a_product_reallocates_and_retotals(support_client, catalogue, webshop):
    order = place(webshop, lines=[("SHIRT-BLK-M", 2, "24.90")])
    shirt = order.lines.get()
    assert order.total == Decimal("54.70")  # 2 x 24.90 + 4.90 shipping

    response = support_client.post(
        _action(order, "edit-lines"),
        {f"edit-qty_{shirt.pk}": "3", "edit-add_sku": "MUG-WHT", "edit-add_quantity": "2"},
        headers={"HX-Request": "true"},
    )

    assert response.status_code == 200, response.content.decode()[:3000]
    order.refresh_from_db()
    assert order.state == OrderState.ALLOCATED
    assert sorted(order.lines.values_list("sku", "quantity", "quantity_allocated")) == [
        ("MUG-WHT", 2, 2),
        ("SHIRT-BLK-M", 3, 3),
    ]
    assert order.total == Decimal("104.60")  # 3 x 24.90 + 2 x 12.50 + 4.90
    assert (_reserved(catalogue["SHIRT-BLK-M"]), _reserved(catalogue["MUG-WHT"])) == (3, 2)
    edit = order.events.filter(kind="edit").get()
    assert "SHIRT-BLK-M: quantity 2 → 3" in edit.message and "Added 2 x MUG-WHT" in edit.message
    body = response.content.decode()
    assert "The lines are changed." in body and "Added 2 x MUG-WHT" in body


def test_edit_lines_to_zero_removes_a_line_and_releases_its_units(support_client, catalogue, webshop):
    order = place(webshop, lines=[("SHIRT-BLK-M", 2, "24.90"), ("MUG-WHT", 1, "12.50")])
    mug = order.lines.get(sku="MUG-WHT")

    response = support_client.post(_action(order, "edit-lines"), {f"edit-qty_{mug.pk}": "0"})

    assert response.status_code == 302
    assert list(order.lines.values_list("sku", flat=True)) == ["SHIRT-BLK-M"]
    assert _reserved(catalogue["MUG-WHT"]) == 0
    assert _reserved(catalogue["SHIRT-BLK-M"]) == 2


def test_edit_lines_adding_a_product_without_stock_backorders_the_order(support_client, catalogue, webshop):
    order = place(webshop)

    support_client.post(_action(order, "edit-lines"), {"edit-add_sku": "LAMP-XL", "edit-add_quantity": "1"})

    order.refresh_from_db()
    assert order.state == OrderState.BACKORDERED
    assert _reserved(catalogue["SHIRT-BLK-M"]) == 0  # nothing held while the order waits
    assert "LAMP-XL" in order.routing["message"]


@pytest.mark.parametrize(
    ("data", "mentions"),
    [
        ({"edit-add_sku": "GHOST-1", "edit-add_quantity": "1"}, "GHOST-1"),
        ({"edit-add_sku": "MUG-WHT", "edit-add_quantity": "0"}, "at least 1 (got 0)"),
        ({"LINE": "-1"}, "at least 0 (got -1)"),
        ({}, "Change a quantity or enter a product to add."),
        ({"LINE": "0"}, "at least one line"),
    ],
    ids=["unknown-sku", "zero-to-add", "negative-quantity", "no-change", "removing-the-only-line"],
)
def test_bad_line_edits_are_422_with_the_reason_and_change_nothing(support_client, catalogue, webshop, data, mentions):
    order = place(webshop)
    line = order.lines.get()
    data = {(f"edit-qty_{line.pk}" if k == "LINE" else k): v for k, v in data.items()}
    events = order.events.count()

    response = support_client.post(_action(order, "edit-lines"), data, headers={"HX-Request": "true"})

    assert response.status_code == 422
    assert mentions in response.content.decode()
    order.refresh_from_db()
    assert order.state == OrderState.ALLOCATED
    assert list(order.lines.values_list("sku", "quantity", "quantity_allocated")) == [("SHIRT-BLK-M", 2, 2)]
    assert order.events.count() == events
    assert _reserved(catalogue["SHIRT-BLK-M"]) == 2


def test_lines_cannot_be_edited_after_release(support_client, catalogue, webshop):
    from orders.services.lifecycle import release_to_fulfillment

    order = place(webshop)
    release_to_fulfillment(order=order)
    line = order.lines.get()
    page = support_client.get(_detail(order)).content.decode()
    assert "Change quantities or add a product" not in page

    response = support_client.post(_action(order, "edit-lines"), {f"edit-qty_{line.pk}": "5"})

    assert response.status_code == 409
    assert "can no longer be edited" in response.content.decode()
    line.refresh_from_db()
    assert line.quantity == 2


def test_a_tracking_number_added_by_another_app_finds_the_order_and_survives_an_edit(support_client, orders):
    from orders.services.editing import OrderEdit, edit_order
    from orders.services.timeline import add_search_terms

    anna = orders["anna"]
    add_search_terms(order_id=anna.pk, terms=["00340434161234567890", "RE-2026-0042"])
    add_search_terms(order_id=anna.pk, terms=["00340434161234567890"])  # a repeated event adds nothing

    found = support_client.get(reverse(LIST), {"q": "00340434161234567890"}).content.decode()
    assert anna.number in found and orders["bob"].number not in found
    assert Order.objects.get(pk=anna.pk).search_text.count("00340434161234567890") == 1

    edit_order(order=anna, edit=OrderEdit(quantities={anna.lines.get().pk: 3}))
    assert anna.number in support_client.get(reverse(LIST), {"q": "re-2026-0042"}).content.decode()


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("orders:support-order-list", "q"),
        ("orders:support-phone-products", "product_q"),
        ("orders:support-phone-customers", "customer_q"),
        ("orders:support-case-list", "q"),
    ],
)
@pytest.mark.parametrize("query", ["\x00", "a\x00b", "%_\\", "x" * 5000, "99999999999999999999999", "²"])
def test_any_search_input_answers_200_never_a_database_error(support_client, orders, url, param, query):
    assert support_client.get(reverse(url), {param: query}).status_code == 200


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "orders:support-order-detail"),
        ("post", "orders:support-order-hold"),
        ("post", "orders:support-order-edit-lines"),
        ("post", "orders:support-order-note"),
        ("post", "orders:support-case-create"),
    ],
)
def test_a_null_character_in_the_order_number_is_404_not_a_database_error(support_client, orders, method, name):
    response = getattr(support_client, method)(reverse(name, args=["2026\x00"]), {"reason": "x", "text": "x"})

    assert response.status_code == 404


@pytest.mark.parametrize(
    "data",
    [{"sku": ["\x00"], "quantity": ["1"]}, {"add_sku": "MUG\x00WHT"}, {"remove_sku": "\x00"}],
    ids=["line", "add", "remove"],
)
def test_phone_preview_reads_null_characters_as_an_unknown_sku(support_client, catalogue, data):
    response = support_client.post(reverse("orders:support-phone-preview"), data)

    assert response.status_code == 200


def test_the_timeline_names_states_as_the_ui_does(support_client, orders):
    from orders.services.lifecycle import hold_order

    hold_order(order=orders["anna"], reason="Address check")

    body = support_client.get(_detail(orders["anna"])).content.decode()

    assert 'data-from="allocated" data-to="on_hold">Allocated → On hold<' in body


def test_releasing_a_hold_may_give_a_reason_for_the_timeline(support_client, orders):
    from orders.services.lifecycle import hold_order

    order = orders["anna"]
    hold_order(order=order, reason="Address check")

    response = support_client.post(_action(order, "unhold"), {"unhold-reason": "Customer confirmed the address"})

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.state == OrderState.ALLOCATED
    assert order.events.last().message == "Hold released. Customer confirmed the address"


def test_routing_reasons_are_shown_in_the_readers_language_whatever_language_wrote_them(support_client, orders):
    from django.utils import translation

    from orders.models import EventKind

    with translation.override("de"):
        german = place(orders["anna"].channel, email="de@example.com")
    assert "einzige Lager" in german.events.get(kind=EventKind.ROUTING).message

    body = support_client.get(_detail(german), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "BER is the only warehouse that can ship every line." in body
    assert "einzige Lager" not in body


def test_adding_a_product_that_is_already_on_the_order_raises_its_line(support_client, catalogue, webshop):
    order = place(webshop, lines=[("SHIRT-BLK-M", 2, "24.90")])

    support_client.post(_action(order, "edit-lines"), {"edit-add_sku": "shirt-blk-m", "edit-add_quantity": "3"})

    assert list(order.lines.values_list("sku", "quantity", "quantity_allocated")) == [("SHIRT-BLK-M", 5, 5)]
    assert _reserved(catalogue["SHIRT-BLK-M"]) == 5


def test_addresses_and_the_address_form_name_countries_in_the_readers_language(support_client, orders):
    order = orders["anna"]
    german = support_client.get(_detail(order), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    english = support_client.get(_detail(order), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    shipping = german[german.index('id="shipping-address"') :]
    assert "<br>Deutschland" in shipping[: shipping.index("</address>")]
    assert '<option value="DE" selected>Deutschland</option>' in german
    assert '<option value="AT">Österreich</option>' in german
    assert '<option value="DE" selected>Germany</option>' in english


def test_the_timeline_names_the_agent_not_the_internal_actor_label(support_client, support_user, orders):
    order = orders["anna"]
    support_client.post(_action(order, "hold"), {"hold-reason": "Address check"})

    html = support_client.get(_detail(order), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    timeline = html[html.index('id="order-timeline"') :]
    name = support_user.get_full_name() or support_user.get_username()
    assert f"· {name}</span>" in timeline
    assert f">· support:{support_user.get_username()}" not in timeline
