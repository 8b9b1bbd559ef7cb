"""Every lifecycle service from every state reachable through services: legal moves change the
state and write the timeline; illegal ones raise IllegalTransitionError and change nothing."""

from __future__ import annotations

import itertools

import pytest

from inventory.models import StockLevel
from oms.exceptions import DomainError, IllegalTransitionError
from orders.models import Order, OrderState
from orders.services import allocation, lifecycle
from tests.orders.factories import draft, stocked_product

pytestmark = pytest.mark.django_db
S = OrderState
_skus = itertools.count(1)


def reach(state: str, channel, warehouse) -> Order:
    """An order of 2 units in ``state``, brought there by the real services."""
    sku = f"L-{next(_skus)}"
    stocked_product(sku, {warehouse: 0 if state == S.BACKORDERED else 5})
    method = "prepayment" if state == S.PENDING else "invoice"
    order = lifecycle_place(channel, sku, method)
    steps = {
        S.ON_HOLD: [lambda o: lifecycle.hold_order(order=o, reason="Betrugsprüfung")],
        S.IN_FULFILLMENT: [lambda o: lifecycle.release_to_fulfillment(order=o)],
        S.PARTIALLY_SHIPPED: [
            lambda o: lifecycle.release_to_fulfillment(order=o),
            lambda o: lifecycle.ship_order_lines(order=o, quantities={o.lines.get().pk: 1}),
        ],
        S.SHIPPED: [lambda o: lifecycle.release_to_fulfillment(order=o), lambda o: lifecycle.ship_order_lines(order=o)],
        S.DELIVERED: [
            lambda o: lifecycle.release_to_fulfillment(order=o),
            lambda o: lifecycle.ship_order_lines(order=o),
            lambda o: lifecycle.deliver_order(order=o),
        ],
        S.COMPLETED: [
            lambda o: lifecycle.release_to_fulfillment(order=o),
            lambda o: lifecycle.ship_order_lines(order=o),
            lambda o: lifecycle.deliver_order(order=o),
            lambda o: lifecycle.complete_order(order=o),
        ],
        S.CANCELLED: [lambda o: lifecycle.cancel_order(order=o, reason="Kundenwunsch")],
    }
    for step in steps.get(state, []):
        order = step(order)
    order.refresh_from_db()
    assert order.state == state
    return order


def lifecycle_place(channel, sku, method):
    from orders.services.intake import place_order

    return place_order(channel=channel, draft=draft({sku: 2}, payment_method=method)).order


REACHABLE = [
    S.PENDING,
    S.BACKORDERED,
    S.ALLOCATED,
    S.ON_HOLD,
    S.IN_FULFILLMENT,
    S.PARTIALLY_SHIPPED,
    S.SHIPPED,
    S.DELIVERED,
    S.COMPLETED,
    S.CANCELLED,
]

SERVICES = {
    "confirm_order": (lambda o: lifecycle.confirm_order(order=o), {S.PENDING: S.ALLOCATED}),
    "hold_order": (
        lambda o: lifecycle.hold_order(order=o, reason="Adresse prüfen"),
        {S.PENDING: S.ON_HOLD, S.BACKORDERED: S.ON_HOLD, S.ALLOCATED: S.ON_HOLD, S.IN_FULFILLMENT: S.ON_HOLD},
    ),
    "unhold_order": (lambda o: lifecycle.unhold_order(order=o), {S.ON_HOLD: S.ALLOCATED}),
    "release_to_fulfillment": (lambda o: lifecycle.release_to_fulfillment(order=o), {S.ALLOCATED: S.IN_FULFILLMENT}),
    "allocate_order": (lambda o: allocation.allocate_order(order=o), {S.BACKORDERED: S.BACKORDERED}),
    "ship_order_lines": (
        lambda o: lifecycle.ship_order_lines(order=o),
        {S.IN_FULFILLMENT: S.SHIPPED, S.PARTIALLY_SHIPPED: S.SHIPPED},
    ),
    "deliver_order": (lambda o: lifecycle.deliver_order(order=o), {S.SHIPPED: S.DELIVERED}),
    "complete_order": (lambda o: lifecycle.complete_order(order=o), {S.DELIVERED: S.COMPLETED}),
    "cancel_order": (
        lambda o: lifecycle.cancel_order(order=o, reason="Kundenwunsch"),
        {s: S.CANCELLED for s in (S.PENDING, S.BACKORDERED, S.ALLOCATED, S.ON_HOLD, S.IN_FULFILLMENT)},
    ),
}
CASES = [(name, state) for name in SERVICES for state in REACHABLE]


@pytest.mark.parametrize(("service", "state"), CASES, ids=[f"{n}-from-{s}" for n, s in CASES])
def test_lifecycle_service_from_every_state(channel, lej, service, state):
    order = reach(state, channel, lej)
    call, legal = SERVICES[service]
    events_before = order.events.count()
    reserved_before = sum(StockLevel.objects.values_list("reserved", flat=True))
    if state in legal:
        call(order)
        order.refresh_from_db()
        assert order.state == legal[state]
        if legal[state] != state:
            latest = order.events.order_by("-created_at", "-pk").first()
            assert latest.to_state == legal[state]
    else:
        with pytest.raises(IllegalTransitionError) as caught:
            call(order)
        assert caught.value.http_status == 409
        assert caught.value.data["state"]
        order.refresh_from_db()
        assert order.state == state
        assert order.events.count() == events_before
        assert sum(StockLevel.objects.values_list("reserved", flat=True)) == reserved_before


def test_hold_needs_a_reason_and_keeps_the_reservation(channel, lej):
    order = reach(S.ALLOCATED, channel, lej)
    with pytest.raises(DomainError):
        lifecycle.hold_order(order=order, reason="  ")
    held = lifecycle.hold_order(order=order, reason="Betrugsverdacht")
    assert held.hold_reason == "Betrugsverdacht"
    assert StockLevel.objects.get(product__sku=order.lines.get().sku).reserved == 2
    event = held.events.last()
    assert (event.from_state, event.to_state) == (S.ALLOCATED, S.ON_HOLD)
    assert "Betrugsverdacht" in event.message


def test_unhold_of_a_backordered_order_returns_to_backordered(channel, lej):
    order = reach(S.BACKORDERED, channel, lej)
    lifecycle.hold_order(order=order, reason="Adresse prüfen")
    assert lifecycle.unhold_order(order=order).state == S.BACKORDERED


def test_shipping_consumes_the_reservation(channel, lej):
    order = reach(S.IN_FULFILLMENT, channel, lej)
    line = order.lines.get()
    lifecycle.ship_order_lines(order=order, quantities={line.pk: 1})
    level = StockLevel.objects.get(product=line.product)
    assert (level.on_hand, level.reserved) == (4, 1)
    line.refresh_from_db()
    assert (line.quantity_allocated, line.quantity_shipped) == (1, 1)
    assert Order.objects.get(pk=order.pk).state == S.PARTIALLY_SHIPPED


def test_notes_are_stored_and_on_the_timeline(channel, lej, support_user):
    order = reach(S.ALLOCATED, channel, lej)
    note = lifecycle.add_note(order=order, text="Kundin ruft zurück", user=support_user)
    assert note.author == support_user
    event = order.events.last()
    assert (event.kind, event.message, event.actor) == ("note", "Kundin ruft zurück", support_user)


LEGAL_CASES = [(name, state) for name, (_call, legal) in SERVICES.items() for state in legal if legal[state] != state]


@pytest.mark.parametrize(("service", "state"), LEGAL_CASES, ids=[f"{n}-from-{s}" for n, s in LEGAL_CASES])
def test_every_legal_move_writes_timeline_entries_that_lead_from_the_old_to_the_new_state(channel, lej, service, state):
    order = reach(state, channel, lej)
    call, legal = SERVICES[service]
    before = list(order.events.values_list("pk", flat=True))

    call(order)

    order.refresh_from_db()
    steps = list(order.events.exclude(pk__in=before).exclude(to_state="").order_by("created_at", "pk"))
    assert steps, f"{service} from {state} wrote no transition event"
    assert steps[0].from_state == state
    assert steps[-1].to_state == order.state == legal[state]
    assert all(a.to_state == b.from_state for a, b in itertools.pairwise(steps))
    assert all(step.actor_label and step.message for step in steps)


def test_an_illegal_move_names_the_action_the_order_and_its_state(channel, lej):
    from django.utils import translation

    order = reach(S.SHIPPED, channel, lej)

    with translation.override("en"), pytest.raises(IllegalTransitionError) as caught:
        lifecycle.cancel_order(order=order, reason="Zu spät")

    message = caught.value.message
    assert "cancel" in message and order.number in message and "Shipped" in message
    assert caught.value.code == "illegal_transition"
