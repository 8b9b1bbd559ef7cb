"""The order state machine as a table (every action from every state: legal or refused), the
protected state field, and the database constraints on lines and allocations."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django_fsm import TransitionNotAllowed, can_proceed

from orders.models import Order, OrderLine, OrderState

S = OrderState
ALL = list(S.values)

# action -> {source state: target state} (ARCHITECTURE.md "Order" state machine)
LEGAL = {
    "confirm": {S.PENDING: S.CONFIRMED},
    "allocate": {S.CONFIRMED: S.ALLOCATED, S.BACKORDERED: S.ALLOCATED},
    "backorder": {s: S.BACKORDERED for s in (S.CONFIRMED, S.ALLOCATED, S.IN_FULFILLMENT, S.PARTIALLY_SHIPPED)},
    "hold": {s: S.ON_HOLD for s in (S.PENDING, S.CONFIRMED, S.ALLOCATED, S.BACKORDERED, S.IN_FULFILLMENT)},
    "unhold": {S.ON_HOLD: None},  # returns to the state before the hold (tested below)
    "release": {S.ALLOCATED: S.IN_FULFILLMENT},
    "ship_partially": {S.IN_FULFILLMENT: S.PARTIALLY_SHIPPED, S.PARTIALLY_SHIPPED: S.PARTIALLY_SHIPPED},
    "ship": {S.IN_FULFILLMENT: S.SHIPPED, S.PARTIALLY_SHIPPED: S.SHIPPED},
    "deliver": {S.SHIPPED: S.DELIVERED},
    "complete": {S.DELIVERED: S.COMPLETED},
    "cancel": {
        s: S.CANCELLED for s in (S.PENDING, S.CONFIRMED, S.BACKORDERED, S.ALLOCATED, S.ON_HOLD, S.IN_FULFILLMENT)
    },
}
CASES = [(action, state) for action in LEGAL for state in ALL]


def _order(state: str) -> Order:
    # Only the machine is under test here (no database): a row in ``state`` as loaded from the table.
    return Order(number="2026-000001", state=state, state_before_hold=S.ALLOCATED if state == S.ON_HOLD else "")


@pytest.mark.parametrize(("action", "state"), CASES, ids=[f"{a}-from-{s}" for a, s in CASES])
def test_every_action_from_every_state(action, state):
    order = _order(state)
    method = getattr(order, action)
    if state in LEGAL[action]:
        assert can_proceed(method)
        method()
        expected = LEGAL[action][state] or S.ALLOCATED
        assert order.state == expected
    else:
        assert not can_proceed(method)
        with pytest.raises(TransitionNotAllowed):
            method()
        assert order.state == state


@pytest.mark.parametrize("before", [S.PENDING, S.CONFIRMED, S.ALLOCATED, S.BACKORDERED])
def test_unhold_returns_to_the_state_before_the_hold(before):
    order = _order(before)
    order.hold("Adresse prüfen")
    assert (order.state, order.state_before_hold, order.hold_reason) == (S.ON_HOLD, before, "Adresse prüfen")
    order.unhold()
    assert (order.state, order.state_before_hold, order.hold_reason) == (before, "", "")


def test_the_state_cannot_be_assigned_by_hand():
    order = _order(S.PENDING)
    with pytest.raises(AttributeError):
        order.state = S.SHIPPED


def test_transitions_are_not_callable_from_templates():
    assert Order.cancel.alters_data and Order.confirm.alters_data and Order.release.alters_data


@pytest.mark.django_db
def test_line_quantities_are_guarded_by_the_database():
    from tests.orders.factories import ChannelFactory, order_for, stocked_product, warehouse

    wh = warehouse("LEJ")
    stocked_product("C-1", {wh: 5})
    order = order_for(ChannelFactory(), {"C-1": 2})
    line = order.lines.get()
    for change in (
        {"quantity_allocated": 3},  # more allocated than ordered
        {"quantity_cancelled": 1},  # 2 allocated + 1 cancelled > 2
        {"quantity_returned": 1},  # nothing shipped yet
        {"quantity": 0},
        {"unit_price": Decimal("-1")},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            OrderLine.objects.filter(pk=line.pk).update(**change)
    line.refresh_from_db()
    assert (line.quantity, line.quantity_allocated) == (2, 2)


@pytest.mark.django_db
def test_external_id_is_unique_per_channel_but_may_repeat_across_channels():
    from tests.orders.factories import ChannelFactory, order_for, stocked_product, warehouse

    wh = warehouse("LEJ")
    stocked_product("C-1", {wh: 5})
    a, b = ChannelFactory(code="a"), ChannelFactory(code="b")
    first = order_for(a, {"C-1": 1}, external_id="1001")
    second = order_for(b, {"C-1": 1}, external_id="1001")
    assert first.pk != second.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        Order.objects.filter(pk=second.pk).update(channel=a)
