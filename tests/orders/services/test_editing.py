"""Editing before release: quantities, lines and addresses; re-allocation and re-totals; each
edit on the timeline; refused after release."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inventory.models import StockLevel
from orders.exceptions import OrderNotEditableError, OrderValidationError
from orders.models import Allocation, OrderState
from orders.services.drafts import LineDraft
from orders.services.editing import OrderEdit, edit_order, lines_at_catalogue_price
from orders.services.intake import place_order
from orders.services.lifecycle import hold_order, release_to_fulfillment
from tests.orders.factories import address, draft, stocked_product

pytestmark = pytest.mark.django_db


def reserved() -> dict[tuple[str, str], int]:
    return {
        (lv.product.sku, lv.warehouse.code): lv.reserved
        for lv in StockLevel.objects.select_related("product", "warehouse")
    }


def test_changing_a_quantity_reallocates_and_retotals(channel, lej):
    stocked_product("E-1", {lej: 10})
    order = place_order(channel=channel, draft=draft({"E-1": 2}, price="10.00")).order
    line = order.lines.get()
    order = edit_order(order=order, edit=OrderEdit(quantities={line.pk: 5}))
    assert order.total == Decimal("50.00")
    assert reserved() == {("E-1", "LEJ"): 5}
    assert Allocation.objects.get().quantity == 5
    edit = order.events.filter(kind="edit").get()
    assert "2 → 5" in edit.message


def test_adding_and_removing_lines(channel, lej):
    stocked_product("E-1", {lej: 10})
    stocked_product("E-2", {lej: 10})
    order = place_order(channel=channel, draft=draft({"E-1": 2}, price="10.00")).order
    line = order.lines.get()
    order = edit_order(
        order=order,
        edit=OrderEdit(quantities={line.pk: 0}, add_lines=[LineDraft("E-2", 3, Decimal("5.00"))]),
    )
    assert list(order.lines.values_list("sku", "quantity", "quantity_allocated")) == [("E-2", 3, 3)]
    assert order.total == Decimal("15.00")
    assert reserved() == {("E-1", "LEJ"): 0, ("E-2", "LEJ"): 3}
    assert "e-2" in order.search_text and "e-1" not in order.search_text.split()


def test_an_edit_that_needs_missing_stock_backorders_the_order(channel, lej):
    stocked_product("E-1", {lej: 3})
    order = place_order(channel=channel, draft=draft({"E-1": 2})).order
    order = edit_order(order=order, edit=OrderEdit(quantities={order.lines.get().pk: 4}))
    assert order.state == OrderState.BACKORDERED
    assert reserved() == {("E-1", "LEJ"): 0}


def test_changing_the_shipping_country_reroutes(channel, lej, vie):
    stocked_product("E-1", {lej: 5, vie: 5})
    order = place_order(channel=channel, draft=draft({"E-1": 1})).order
    assert Allocation.objects.get().warehouse == lej
    order = edit_order(
        order=order, edit=OrderEdit(shipping_address=address(country="AT", postcode="1010", city="Wien"))
    )
    assert Allocation.objects.get().warehouse == vie
    assert reserved() == {("E-1", "LEJ"): 0, ("E-1", "VIE"): 1}
    assert order.shipping_postcode == "1010" and "1010" in order.search_text
    assert "Wien" in order.events.filter(kind="edit").get().message


def test_editing_an_order_on_hold_keeps_it_on_hold(channel, lej):
    stocked_product("E-1", {lej: 10})
    order = place_order(channel=channel, draft=draft({"E-1": 2})).order
    hold_order(order=order, reason="Adresse prüfen")
    order = edit_order(order=order, edit=OrderEdit(quantities={order.lines.get().pk: 3}))
    assert order.state == OrderState.ON_HOLD
    assert order.state_before_hold == OrderState.ALLOCATED
    assert reserved() == {("E-1", "LEJ"): 3}


def test_no_edits_after_release_to_the_warehouse(channel, lej):
    stocked_product("E-1", {lej: 10})
    order = place_order(channel=channel, draft=draft({"E-1": 2})).order
    release_to_fulfillment(order=order)
    with pytest.raises(OrderNotEditableError):
        edit_order(order=order, edit=OrderEdit(quantities={order.lines.get().pk: 1}))
    assert reserved() == {("E-1", "LEJ"): 2}


@pytest.mark.parametrize(
    ("make_edit", "field"),
    [
        (lambda line: OrderEdit(quantities={line.pk: -1}), "quantities.{pk}"),
        (lambda line: OrderEdit(quantities={999999: 1}), "quantities.999999"),
        (lambda line: OrderEdit(quantities={line.pk: 0}), "lines"),
        (lambda line: OrderEdit(add_lines=[LineDraft("NOPE", 1, Decimal("1"))]), "add_lines[0].sku"),
        (lambda line: OrderEdit(add_lines=[LineDraft("E-1", 0, Decimal("1"))]), "add_lines[0].quantity"),
        (lambda line: OrderEdit(shipping_address=address(country="DEU")), "shipping_address.country"),
    ],
)
def test_bad_edits_are_refused_and_change_nothing(channel, lej, make_edit, field):
    stocked_product("E-1", {lej: 10})
    order = place_order(channel=channel, draft=draft({"E-1": 2})).order
    line = order.lines.get()
    with pytest.raises(OrderValidationError) as caught:
        edit_order(order=order, edit=make_edit(line))
    assert field.format(pk=line.pk) in caught.value.errors
    line.refresh_from_db()
    assert line.quantity == 2
    assert reserved() == {("E-1", "LEJ"): 2}
    assert not order.events.filter(kind="edit").exists()


def test_lines_added_by_an_agent_take_the_catalogue_price_of_the_orders_price_mode(channel, lej):
    stocked_product("E-1", {lej: 10}, gross_price=Decimal("11.90"), net_price=Decimal("10.00"))
    gross = place_order(channel=channel, draft=draft({"E-1": 1})).order
    net = place_order(channel=channel, draft=draft({"E-1": 1}, price_mode="net")).order

    assert lines_at_catalogue_price(order=gross, additions=[("E-1", 2)]) == [LineDraft("E-1", 2, Decimal("11.90"))]
    assert lines_at_catalogue_price(order=net, additions=[(" E-1 ", 1)]) == [LineDraft("E-1", 1, Decimal("10.00"))]


def test_catalogue_prices_are_refused_for_orders_in_another_currency(channel, lej):
    stocked_product("E-1", {lej: 10})
    order = place_order(channel=channel, draft=draft({"E-1": 1}, currency="CHF")).order

    with pytest.raises(OrderValidationError) as caught:
        lines_at_catalogue_price(order=order, additions=[("E-1", 1)])

    assert "CHF" in caught.value.errors["add_lines"][0]
    assert order.lines.count() == 1


def _demand(product) -> int:
    from inventory.models import DailyDemand

    return sum(DailyDemand.objects.filter(product=product).values_list("quantity", flat=True))


def test_an_edit_counts_only_the_added_units_as_demand_for_the_forecast(channel, lej, vie):
    product = stocked_product("E-1", {lej: 10, vie: 10})
    order = place_order(channel=channel, draft=draft({"E-1": 2})).order
    line = order.lines.get()
    assert _demand(product) == 2

    order = edit_order(order=order, edit=OrderEdit(quantities={line.pk: 3}))
    assert _demand(product) == 3
    # A new country re-routes the same units to Vienna: no new demand.
    edit_order(order=order, edit=OrderEdit(shipping_address=address(country="AT")))
    assert Allocation.objects.get().warehouse == vie
    assert _demand(product) == 3
    # Fewer units, then as many as before: still the demand of three units.
    edit_order(order=order, edit=OrderEdit(quantities={line.pk: 1}))
    edit_order(order=order, edit=OrderEdit(quantities={line.pk: 3}))
    assert _demand(product) == 3


def test_a_backorder_that_was_allocated_before_an_edit_is_not_counted_twice(
    channel, lej, django_capture_on_commit_callbacks
):
    from inventory.services.stock import receive_stock

    product = stocked_product("E-1", {lej: 2})
    order = place_order(channel=channel, draft=draft({"E-1": 2})).order
    line = order.lines.get()
    order = edit_order(order=order, edit=OrderEdit(quantities={line.pk: 4}))
    assert order.state == OrderState.BACKORDERED

    with django_capture_on_commit_callbacks(execute=True):
        receive_stock(product=product, warehouse=lej, quantity=2, reference="PO-1")

    order.refresh_from_db()
    assert order.state == OrderState.ALLOCATED
    assert _demand(product) == 4


def test_lowering_a_discounted_line_shrinks_its_discount_with_it_and_never_goes_negative(channel, lej):
    stocked_product("E-1", {lej: 10})
    order = place_order(
        channel=channel, draft=draft([LineDraft("E-1", 10, Decimal("5.00"), discount=Decimal("20.00"))])
    ).order
    line = order.lines.get()

    order = edit_order(order=order, edit=OrderEdit(quantities={line.pk: 2}))

    line.refresh_from_db()
    assert (line.discount, line.line_total) == (Decimal("4.00"), Decimal("6.00"))
    assert order.total == Decimal("6.00")


@pytest.mark.parametrize("new_quantity", [1, 0])
def test_units_an_edit_gives_back_go_to_the_oldest_backorder_at_once(
    channel, lej, django_capture_on_commit_callbacks, new_quantity
):
    stocked_product("E-1", {lej: 3})
    stocked_product("E-9", {lej: 5})
    big = place_order(channel=channel, draft=draft({"E-1": 3, "E-9": 1})).order
    waiting = place_order(channel=channel, draft=draft({"E-1": 2})).order
    assert waiting.state == OrderState.BACKORDERED
    line = big.lines.get(sku="E-1")

    with django_capture_on_commit_callbacks(execute=True):
        edit_order(order=big, edit=OrderEdit(quantities={line.pk: new_quantity}))

    waiting.refresh_from_db()
    assert waiting.state == OrderState.ALLOCATED
    assert StockLevel.objects.get(product__sku="E-1").reserved == new_quantity + 2


def test_an_order_held_in_the_warehouse_cannot_be_edited(channel, lej):
    stocked_product("E-1", {lej: 10})
    order = place_order(channel=channel, draft=draft({"E-1": 2})).order
    release_to_fulfillment(order=order)
    order = hold_order(order=order, reason="Adresse unvollständig")
    assert order.state == OrderState.ON_HOLD and not order.is_editable
    line = order.lines.get()
    with pytest.raises(OrderNotEditableError, match="In fulfillment") as refused:
        edit_order(order=order, edit=OrderEdit(quantities={line.pk: 5}))
    assert refused.value.data["number"] == order.number
    with pytest.raises(OrderNotEditableError):
        edit_order(order=order, edit=OrderEdit(shipping_address=address(city="Leipzig")))
    order.refresh_from_db()
    assert order.lines.get().quantity == 2 and order.shipping_city != "Leipzig"
    assert reserved() == {("E-1", "LEJ"): 2}


def test_an_order_held_before_release_stays_editable(channel, lej):
    stocked_product("E-1", {lej: 10})
    order = place_order(channel=channel, draft=draft({"E-1": 2})).order
    order = hold_order(order=order, reason="Betrugsprüfung")
    assert order.is_editable
