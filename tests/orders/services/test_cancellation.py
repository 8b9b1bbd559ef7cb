"""Cancelling orders and lines releases exactly the reservations of the cancelled units."""

from __future__ import annotations

from decimal import Decimal

import pytest

from inventory.models import StockLevel
from oms.exceptions import DomainError, IllegalTransitionError
from orders.exceptions import OrderEditError
from orders.models import Allocation, OrderState
from orders.services.cancellation import cancel_order, cancel_order_lines
from orders.services.intake import place_order
from tests.orders.factories import draft, stocked_product

pytestmark = pytest.mark.django_db


def reserved() -> dict[str, int]:
    return {lv.product.sku: lv.reserved for lv in StockLevel.objects.select_related("product")}


def test_cancelling_an_order_releases_exactly_its_reservations(channel, lej):
    stocked_product("K-1", {lej: 10})
    stocked_product("K-2", {lej: 10})
    keep = place_order(channel=channel, draft=draft({"K-1": 1})).order
    order = place_order(channel=channel, draft=draft({"K-1": 3, "K-2": 2})).order
    assert reserved() == {"K-1": 4, "K-2": 2}

    cancel_order(order=order, reason="Kunde hat storniert")

    assert reserved() == {"K-1": 1, "K-2": 0}
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    assert order.cancel_reason == "Kunde hat storniert"
    assert not Allocation.objects.filter(order_line__order=order).exists()
    assert Allocation.objects.filter(order_line__order=keep).count() == 1
    assert all(line.quantity_cancelled == line.quantity for line in order.lines.all())
    event = order.events.last()
    assert (event.kind, event.to_state) == ("cancellation", "cancelled")
    assert "5" in event.message  # units released


def test_cancelling_needs_a_reason_and_nothing_changes_without(channel, lej):
    stocked_product("K-1", {lej: 10})
    order = place_order(channel=channel, draft=draft({"K-1": 1})).order
    with pytest.raises(DomainError):
        cancel_order(order=order, reason="")
    order.refresh_from_db()
    assert order.state == OrderState.ALLOCATED
    assert reserved() == {"K-1": 1}


def test_a_cancelled_order_cannot_be_cancelled_again(channel, lej):
    stocked_product("K-1", {lej: 10})
    order = place_order(channel=channel, draft=draft({"K-1": 1})).order
    cancel_order(order=order, reason="a")
    with pytest.raises(IllegalTransitionError):
        cancel_order(order=order, reason="b")
    assert reserved() == {"K-1": 0}


def test_cancelling_part_of_a_line_releases_those_units_and_retotals(channel, lej):
    stocked_product("K-1", {lej: 10})
    stocked_product("K-2", {lej: 10})
    order = place_order(channel=channel, draft=draft({"K-1": 3, "K-2": 1}, price="10.00")).order
    line = order.lines.get(sku="K-1")
    cancel_order_lines(order=order, quantities={line.pk: 2}, reason="nicht mehr gewünscht")

    assert reserved() == {"K-1": 1, "K-2": 1}
    line.refresh_from_db()
    assert (line.quantity, line.quantity_cancelled, line.quantity_allocated) == (3, 2, 1)
    assert line.line_total == Decimal("10.00")
    order.refresh_from_db()
    assert order.state == OrderState.ALLOCATED
    assert order.total == Decimal("20.00")
    assert Allocation.objects.get(order_line=line).quantity == 1
    assert "2 x K-1" in order.events.last().message


def test_cancelling_every_line_cancels_the_order(channel, lej):
    stocked_product("K-1", {lej: 10})
    order = place_order(channel=channel, draft=draft({"K-1": 2})).order
    line = order.lines.get()
    cancel_order_lines(order=order, quantities={line.pk: 2}, reason="Kundenwunsch")
    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    assert reserved() == {"K-1": 0}


def test_cancelling_units_of_a_backordered_line_releases_nothing(channel, lej):
    stocked_product("K-1", {lej: 1})
    order = place_order(channel=channel, draft=draft({"K-1": 3})).order
    line = order.lines.get()
    cancel_order_lines(order=order, quantities={line.pk: 1}, reason="weniger")
    assert reserved() == {"K-1": 0}
    line.refresh_from_db()
    assert line.quantity_cancelled == 1


def test_cancelling_what_a_backordered_order_waited_for_allocates_the_rest(channel, lej):
    stocked_product("K-1", {lej: 1})
    order = place_order(channel=channel, draft=draft({"K-1": 3})).order
    assert order.state == OrderState.BACKORDERED
    line = order.lines.get()

    cancel_order_lines(order=order, quantities={line.pk: 2}, reason="weniger")

    order.refresh_from_db()
    line.refresh_from_db()
    assert order.state == OrderState.ALLOCATED
    assert (line.quantity_cancelled, line.quantity_allocated) == (2, 1)
    assert reserved() == {"K-1": 1}
    assert order.events.filter(kind="routing", to_state=OrderState.ALLOCATED).exists()


@pytest.mark.parametrize("units", [0, -1, 3, "2"])
def test_line_cancellation_refuses_bad_quantities_and_changes_nothing(channel, lej, units):
    stocked_product("K-1", {lej: 10})
    order = place_order(channel=channel, draft=draft({"K-1": 2})).order
    line = order.lines.get()
    with pytest.raises(OrderEditError):
        cancel_order_lines(order=order, quantities={line.pk: units}, reason="x")
    line.refresh_from_db()
    assert (line.quantity_cancelled, line.quantity_allocated) == (0, 2)
    assert reserved() == {"K-1": 2}


def test_line_cancellation_refuses_foreign_lines(channel, lej):
    stocked_product("K-1", {lej: 10})
    order = place_order(channel=channel, draft=draft({"K-1": 2})).order
    other = place_order(channel=channel, draft=draft({"K-1": 1})).order
    with pytest.raises(OrderEditError):
        cancel_order_lines(order=order, quantities={other.lines.get().pk: 1}, reason="x")
    assert reserved() == {"K-1": 3}


# --- money after partial cancellations (property) ----------------------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from orders.services.drafts import LineDraft  # noqa: E402

_prices = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("300.00"), places=2)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    lines=st.lists(st.tuples(st.sampled_from(["19.00", "7.00"]), st.integers(1, 6), _prices), min_size=1, max_size=4),
    cancel_shares=st.lists(st.integers(0, 6), min_size=4, max_size=4),
    price_mode=st.sampled_from(["gross", "net"]),
)
def test_totals_still_reconcile_with_the_lines_after_random_partial_cancellations(
    channel, lej, lines, cancel_shares, price_mode
):
    from orders.models import Order

    tag = Order.objects.count()
    drafts = []
    for i, (rate, quantity, price) in enumerate(lines):
        sku = f"PC-{tag}-{i}"
        stocked_product(sku, {lej: 10}, vat_rate=Decimal(rate))
        drafts.append(LineDraft(sku, quantity, price))
    order = place_order(
        channel=channel, draft=draft(drafts, price_mode=price_mode, shipping_total=Decimal("4.90"))
    ).order
    stored = list(order.lines.order_by("position"))
    # Cancel some units of some lines, never all of them (that would cancel the order).
    wanted = {line.pk: min(share, line.quantity) for line, share in zip(stored, cancel_shares, strict=False) if share}
    if sum(wanted.values()) >= sum(line.quantity for line in stored):
        wanted.pop(next(iter(wanted)))
    if wanted:
        cancel_order_lines(order=order, quantities=wanted, reason="Teilstorno")

    order.refresh_from_db()
    after = list(order.lines.all())
    assert all(ln.line_total == (ln.quantity - ln.quantity_cancelled) * ln.unit_price for ln in after)
    assert order.subtotal == sum((ln.line_total for ln in after), Decimal("0"))
    breakdown = order.vat_breakdown.values()
    assert sum(Decimal(v["vat"]) for v in breakdown) == order.vat_total
    expected = order.subtotal + order.shipping_total - order.discount_total
    assert order.total == (expected if price_mode == "gross" else expected + order.vat_total)
    assert sum(Decimal(v["gross"]) for v in breakdown) == order.total
    # Examples share the database: count only this order's products.
    held = StockLevel.objects.filter(product__in=[ln.product_id for ln in after]).values_list("reserved", flat=True)
    assert sum(held) == sum(ln.quantity - ln.quantity_cancelled for ln in after)
