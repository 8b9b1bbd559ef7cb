"""Refunds: full or partial, back through the method the money came in with, never more than
was captured, booked once however often the form or the provider's webhook repeats them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.exceptions import PaymentInputError
from billing.services.refunds import refund_payment, refundable_amount
from orders.exceptions import RefundExceedsCaptureError
from orders.models import OrderEvent, PaymentState, PaymentTransaction, TransactionKind
from tests.billing.factories import capture, placed_order

pytestmark = pytest.mark.django_db


def _refunds(order):
    return list(PaymentTransaction.objects.filter(order=order, kind=TransactionKind.REFUND).order_by("pk"))


def test_a_partial_refund_of_a_card_payment_goes_back_through_stripe():
    order = placed_order()
    paid = capture(order, "44.88", reference="pi_card_1")

    outcome = refund_payment(order=order, amount=Decimal("10.00"), reason="Scratched mug", token="r1")

    (refund,) = _refunds(order)
    assert (refund.provider, refund.amount) == ("stripe", Decimal("10.00"))
    assert refund.provider_reference.startswith("re_")
    assert refund.data["capture_id"] == paid.pk and refund.data["reason"] == "Scratched mug"
    assert outcome.order.payment_state == PaymentState.PARTIALLY_REFUNDED
    assert refundable_amount(order) == Decimal("34.88")
    assert OrderEvent.objects.filter(order=order, data__source="refund", message__contains="Stripe").exists()


def test_a_full_refund_takes_everything_left_and_the_order_shows_refunded():
    order = placed_order()
    capture(order, "44.88")
    refund_payment(order=order, amount=Decimal("4.88"), reason="Shipping", token="a")

    outcome = refund_payment(order=order, amount=None, reason="Cancelled by the customer", token="b")

    assert outcome.amount == Decimal("40.00")
    assert sum(r.amount for r in _refunds(order)) == Decimal("44.88")
    assert outcome.order.payment_state == PaymentState.REFUNDED


def test_money_a_shop_captured_is_refunded_by_bank_transfer():
    order = placed_order()
    capture(order, "44.88", provider="web", reference="shopify:1")

    refund_payment(order=order, amount=Decimal("5.00"), reason="Goodwill")

    (refund,) = _refunds(order)
    assert refund.provider == "manual"
    assert OrderEvent.objects.filter(order=order, data__source="refund", message__contains="bank transfer").exists()


def test_a_refund_is_split_over_the_captures_newest_first():
    order = placed_order()
    bank = capture(order, "20.00", provider="manual", reference="manual:x")
    card = capture(order, "24.88", reference="pi_split")

    refund_payment(order=order, amount=Decimal("30.00"), reason="Both")

    first, second = _refunds(order)
    assert (first.provider, first.amount, first.data["capture_id"]) == ("stripe", Decimal("24.88"), card.pk)
    assert (second.provider, second.amount, second.data["capture_id"]) == ("manual", Decimal("5.12"), bank.pk)


def test_the_same_refund_form_sent_twice_refunds_once():
    order = placed_order()
    capture(order, "44.88")

    refund_payment(order=order, amount=Decimal("10.00"), reason="once", token="dup")
    again = refund_payment(order=order, amount=Decimal("10.00"), reason="once", token="dup")

    assert len(_refunds(order)) == 1 and again.amount == Decimal("10.00")


def test_more_than_captured_is_refused_and_nothing_is_booked():
    order = placed_order()
    capture(order, "20.00")
    events = OrderEvent.objects.filter(order=order).count()

    with pytest.raises(RefundExceedsCaptureError) as refused:
        refund_payment(order=order, amount=Decimal("20.01"), reason="too much")

    assert refused.value.data["refundable"] == "20.00"
    assert _refunds(order) == []
    assert OrderEvent.objects.filter(order=order).count() == events


def test_nothing_captured_nothing_to_refund_and_a_reason_is_required():
    order = placed_order()
    with pytest.raises(PaymentInputError) as nothing:
        refund_payment(order=order, amount=None, reason="why")
    assert nothing.value.code == "nothing_to_refund"

    capture(order, "10.00")
    with pytest.raises(PaymentInputError) as no_reason:
        refund_payment(order=order, amount=Decimal("1.00"), reason=" ")
    assert no_reason.value.data["field"] == "reason"
    assert _refunds(order) == []
