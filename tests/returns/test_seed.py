"""The returns demo seeder: return requests in every state the demo can reach (no exchange
service yet), through the services, idempotent."""

from __future__ import annotations

import datetime

import pytest

from billing.models import CreditNote
from fulfillment.carriers.catalogue import seed_carriers
from inventory.seed import seed_inventory
from orders.models import PaymentTransaction, TransactionKind
from orders.seed import seed_orders
from returns.models import ReturnRequest, ReturnState
from returns.seed import seed_returns

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(datetime.datetime(2026, 11, 23, 8, 0, tzinfo=datetime.UTC)),
]


def test_the_demo_has_returns_in_every_state_and_is_idempotent():
    seed_inventory(scale=0.1)
    seed_orders(scale=0.1)
    seed_carriers()

    seed_returns(scale=0.1, today=datetime.date(2026, 11, 23))

    by_state = {r.state: r for r in ReturnRequest.objects.all()}
    assert set(ReturnState) - {ReturnState.EXCHANGED} <= set(by_state)
    refunded = by_state[ReturnState.REFUNDED]
    note = CreditNote.objects.get(order=refunded.order)
    refund = PaymentTransaction.objects.get(order=refunded.order, kind=TransactionKind.REFUND)
    assert note.total == refund.amount > 0
    assert by_state[ReturnState.REQUESTED].value > 150
    rejected = by_state[ReturnState.REJECTED].lines.get()
    assert rejected.quantity_damaged == 1 and rejected.quantity_restocked == 0
    received = by_state[ReturnState.RECEIVED].lines.get()
    assert (received.quantity, received.quantity_restocked) == (2, 1)
    assert not CreditNote.objects.filter(source=f"return:{by_state[ReturnState.INSPECTED].pk}").exists()

    count = ReturnRequest.objects.count()
    seed_returns(scale=0.1, today=datetime.date(2026, 11, 23))
    assert ReturnRequest.objects.count() == count
