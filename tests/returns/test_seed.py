"""The returns demo seeder: return requests in every state (exchanged too, with its replacement
order), a return parcel on its way back on a booked return label, and claims open and resolved
(re-shipment, refund), through the services, idempotent."""

from __future__ import annotations

import datetime

import pytest

from billing.models import CreditNote
from fulfillment.carriers.catalogue import seed_carriers
from fulfillment.models import ReturnParcelState
from inventory.seed import seed_inventory
from orders.models import OrderState, PaymentTransaction, TransactionKind
from orders.seed import seed_orders
from returns.models import CarrierClaimState, ClaimKind, ClaimResolution, ReturnRequest, ReturnState, ShipmentClaim
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
    assert set(ReturnState) == set(by_state)
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

    exchanged = by_state[ReturnState.EXCHANGED]
    replacement = exchanged.exchange_order
    assert replacement.replacement_for_id == exchanged.order_id and replacement.total == 0
    assert replacement.state == OrderState.ALLOCATED
    assert not CreditNote.objects.filter(order=exchanged.order).exists()

    # The approved return's label is booked and the parcel is on its way back.
    approved = by_state[ReturnState.APPROVED]
    parcel = approved.return_parcel
    assert parcel.state == ReturnParcelState.IN_TRANSIT
    assert parcel.tracking_number and approved.tracking_number == parcel.tracking_number
    assert parcel.events.filter(mapped_state=ReturnParcelState.IN_TRANSIT).exists()

    claims = {claim.kind: claim for claim in ShipmentClaim.objects.all()}
    assert claims[ClaimKind.LOST].resolution == "" and claims[ClaimKind.LOST].carrier_state == CarrierClaimState.OPEN
    reshipped = claims[ClaimKind.ITEM_MISSING]
    assert reshipped.resolution == ClaimResolution.RESHIPMENT
    assert reshipped.replacement_order.replacement_for_id == reshipped.order_id
    assert reshipped.replacement_order.total == 0 and reshipped.replacement_order.state == OrderState.ALLOCATED
    refunded_claim = claims[ClaimKind.DAMAGED]
    assert refunded_claim.resolution == ClaimResolution.REFUND and refunded_claim.refunded_amount > 0
    assert refunded_claim.carrier_state == CarrierClaimState.PAID

    count = ReturnRequest.objects.count(), ShipmentClaim.objects.count()
    seed_returns(scale=0.1, today=datetime.date(2026, 11, 23))
    assert (ReturnRequest.objects.count(), ShipmentClaim.objects.count()) == count
