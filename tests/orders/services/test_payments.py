"""Payments are append-only rows; the money summary and the payment state follow from them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders.models import OrderState, PaymentState, PaymentTransaction
from orders.selectors.money import _money_sources, order_money_summary, register_money_source
from orders.services.cancellation import cancel_order
from orders.services.intake import place_order
from orders.services.payments import record_payment
from tests.orders.factories import draft, stocked_product

pytestmark = pytest.mark.django_db


def test_a_full_capture_confirms_a_prepaid_order_and_allocates_it(channel, lej):
    stocked_product("P-1", {lej: 5})
    order = place_order(channel=channel, draft=draft({"P-1": 1}, payment_method="prepayment")).order
    assert order.state == OrderState.PENDING
    record_payment(order=order, kind="capture", amount=order.total, provider="bank", provider_reference="TX-1")
    order.refresh_from_db()
    assert order.payment_state == PaymentState.PAID
    assert order.state == OrderState.ALLOCATED


def test_a_provider_reference_counts_once(channel, lej):
    stocked_product("P-1", {lej: 5})
    order = place_order(channel=channel, draft=draft({"P-1": 1}, payment_method="prepayment")).order
    first = record_payment(order=order, kind="capture", amount=Decimal("5.00"), provider="psp", provider_reference="A")
    again = record_payment(order=order, kind="capture", amount=Decimal("5.00"), provider="psp", provider_reference="A")
    assert first.pk == again.pk
    assert PaymentTransaction.objects.count() == 1


def test_transactions_cannot_be_edited(channel, lej):
    stocked_product("P-1", {lej: 5})
    order = place_order(channel=channel, draft=draft({"P-1": 1}, payment_captured=True, payment_method="card")).order
    tx = order.payment_transactions.get()
    tx.amount = Decimal("1.00")
    with pytest.raises(ValueError):
        tx.save()


def test_money_summary_is_derived_from_rows(channel, lej):
    stocked_product("P-1", {lej: 5})
    order = place_order(
        channel=channel, draft=draft({"P-1": 2}, price="10.00", payment_method="card", payment_captured=True)
    ).order
    summary = order_money_summary(order)
    assert (summary.charged, summary.refunded, summary.invoiced, summary.owed) == (
        Decimal("20.00"),
        Decimal("0"),
        Decimal("0"),
        Decimal("0.00"),
    )
    cancel_order(order=order, reason="Kundenwunsch")
    order.refresh_from_db()
    assert order_money_summary(order).owed == Decimal("-20.00")  # a refund is due
    record_payment(order=order, kind="refund", amount=Decimal("20.00"))
    order.refresh_from_db()
    assert order_money_summary(order).owed == Decimal("0.00")
    assert order.payment_state == PaymentState.REFUNDED


def test_billing_can_add_invoiced_and_credited_amounts(channel, lej):
    stocked_product("P-1", {lej: 5})
    order = place_order(channel=channel, draft=draft({"P-1": 1}, price="10.00")).order

    def billing(order_ids):
        return {order.pk: {"invoiced": Decimal("10.00"), "credited": Decimal("2.00")}}

    register_money_source(billing)
    try:
        summary = order_money_summary(order)
    finally:
        _money_sources.remove(billing)
    assert (summary.invoiced, summary.credited, summary.owed) == (Decimal("10.00"), Decimal("2.00"), Decimal("8.00"))


def test_intake_records_the_shops_capture_with_its_timeline_entry_and_event(
    channel, lej, django_capture_on_commit_callbacks
):
    from oms.events import subscribe, unsubscribe
    from orders.models import EventKind

    seen = []

    def handler(payload):
        seen.append(payload)

    stocked_product("P-1", {lej: 5})
    subscribe("order.payment_recorded", handler)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            order = place_order(
                channel=channel, draft=draft({"P-1": 1}, price="10.00", payment_method="card", payment_captured=True)
            ).order
    finally:
        unsubscribe("order.payment_recorded", handler)
    tx = order.payment_transactions.get()
    assert (tx.kind, tx.amount, tx.provider) == ("capture", order.total, "web")
    assert order.payment_state == PaymentState.PAID
    assert order.state == OrderState.ALLOCATED
    kinds = list(order.events.order_by("created_at", "pk").values_list("kind", flat=True))
    # ... and, after commit, the order confirmation mail went out.
    assert kinds == [EventKind.PLACED, EventKind.TRANSITION, EventKind.PAYMENT, EventKind.ROUTING, EventKind.MAIL]
    payment_entry = order.events.get(kind=EventKind.PAYMENT)
    assert payment_entry.data["transaction_id"] == tx.pk
    assert [p["transaction_id"] for p in seen] == [tx.pk]


def test_a_refund_can_never_exceed_what_was_captured(channel, lej):
    from orders.exceptions import RefundExceedsCaptureError

    stocked_product("P-1", {lej: 5})
    order = place_order(
        channel=channel, draft=draft({"P-1": 1}, price="30.00", payment_method="card", payment_captured=True)
    ).order
    record_payment(order=order, kind="refund", amount=Decimal("20.00"))
    with pytest.raises(RefundExceedsCaptureError) as refused:
        record_payment(order=order, kind="refund", amount=Decimal("10.01"))
    assert refused.value.data["refundable"] == "10.00"
    assert "10.00" in refused.value.message
    record_payment(order=order, kind="refund", amount=Decimal("10.00"))
    order.refresh_from_db()
    assert order.payment_state == PaymentState.REFUNDED
    assert sum(t.amount for t in order.payment_transactions.filter(kind="refund")) == Decimal("30.00")


def test_nothing_captured_means_nothing_to_refund(channel, lej):
    from orders.exceptions import RefundExceedsCaptureError

    stocked_product("P-1", {lej: 5})
    order = place_order(channel=channel, draft=draft({"P-1": 1}, price="30.00")).order
    with pytest.raises(RefundExceedsCaptureError):
        record_payment(order=order, kind="refund", amount=Decimal("1.00"))
    assert not order.payment_transactions.exists()
    assert not order.events.filter(kind="payment").exists()
