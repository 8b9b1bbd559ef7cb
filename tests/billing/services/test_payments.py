"""Payments entered by hand: booked once through record_payment, with method, day and reason on
the timeline; refused before anything is written when they cannot be right."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine

from billing.exceptions import PaymentExceedsOpenAmountError, PaymentInputError
from billing.services.payments import record_manual_payment
from orders.models import OrderEvent, OrderState, PaymentState, PaymentTransaction
from tests.billing.factories import placed_order

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 7)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


def test_a_bank_transfer_entered_by_hand_pays_a_prepaid_order_and_confirms_it(support_user):
    order = placed_order(payment_method="prepayment")
    assert order.state == OrderState.PENDING and order.total == Decimal("44.88")

    tx = record_manual_payment(
        order=order,
        amount=Decimal("44.88"),
        method="bank_transfer",
        paid_on=TODAY - datetime.timedelta(days=1),
        reason="Seen in online banking",
        token="t1",
        actor_label="support:agent",
        user=support_user,
    )

    order.refresh_from_db()
    assert (tx.provider, tx.kind, tx.amount) == ("manual", "capture", Decimal("44.88"))
    assert tx.data["method"] == "bank_transfer" and tx.data["paid_on"] == "2026-12-06"
    assert order.payment_state == PaymentState.PAID
    assert order.state != OrderState.PENDING  # confirmed (and allocated) by the payment
    entry = OrderEvent.objects.filter(order=order, data__source="manual").get()
    assert "Bank transfer" in entry.message and "Seen in online banking" in entry.message
    assert entry.actor == support_user


def test_the_same_form_sent_twice_books_once():
    order = placed_order(payment_method="prepayment")
    kwargs = dict(amount=Decimal("10.00"), method="cash", paid_on=TODAY, reason="Paid at the counter", token="same")

    first = record_manual_payment(order=order, **kwargs)
    second = record_manual_payment(order=order, **kwargs)

    assert first.pk == second.pk
    assert PaymentTransaction.objects.filter(order=order).count() == 1


def test_a_partial_payment_leaves_the_order_waiting_for_the_rest():
    order = placed_order(payment_method="prepayment")

    record_manual_payment(order=order, amount=Decimal("20.00"), method="bank_transfer", paid_on=TODAY, reason="Part")

    order.refresh_from_db()
    assert order.state == OrderState.PENDING
    assert order.payment_state != PaymentState.PAID


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": Decimal("44.89")}, "amount"),
        ({"amount": Decimal("0")}, "amount"),
        ({"method": "barter"}, "method"),
        ({"paid_on": TODAY + datetime.timedelta(days=1)}, "paid_on"),
        ({"paid_on": TODAY - datetime.timedelta(days=400)}, "paid_on"),
        ({"reason": "   "}, "reason"),
    ],
)
def test_a_payment_that_cannot_be_right_is_refused_and_nothing_is_written(changes, field):
    order = placed_order(payment_method="prepayment")
    events = OrderEvent.objects.filter(order=order).count()
    kwargs = {"amount": Decimal("10.00"), "method": "cash", "paid_on": TODAY, "reason": "r", **changes}

    with pytest.raises(PaymentInputError) as refused:
        record_manual_payment(order=order, **kwargs)

    assert refused.value.data["field"] == field
    assert not PaymentTransaction.objects.filter(order=order).exists()
    assert OrderEvent.objects.filter(order=order).count() == events


def test_more_than_is_open_is_refused_after_a_first_payment():
    order = placed_order(payment_method="prepayment")
    record_manual_payment(order=order, amount=Decimal("40.00"), method="cash", paid_on=TODAY, reason="first")

    with pytest.raises(PaymentExceedsOpenAmountError) as refused:
        record_manual_payment(order=order, amount=Decimal("5.00"), method="cash", paid_on=TODAY, reason="second")

    assert refused.value.data["open_amount"] == "4.88"
