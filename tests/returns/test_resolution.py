"""Resolving a return: billing credits and refunds exactly what the warehouse accepted (to the
cent), the outbound shipping too on a full withdrawal (§357(2) BGB), and a sweep finishes
returns whose events were lost."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from billing.models import CreditNote
from orders.models import PaymentTransaction, TransactionKind
from returns.models import Condition, ReturnState
from returns.services.receiving import finish_inspection, receive_unit
from returns.services.resolution import sweep_unresolved_returns
from tests.returns.receiving_data import approved_return, delivered_order, returns_bin

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _refunded(order) -> Decimal:
    return sum(
        (t.amount for t in PaymentTransaction.objects.filter(order=order, kind=TransactionKind.REFUND)), Decimal(0)
    )


def test_partial_acceptance_credits_and_refunds_only_the_accepted_unit_to_the_cent(
    warehouse_user, django_capture_on_commit_callbacks
):
    order = delivered_order({"SHIRT": (3, "19.99", "1.00"), "JEANS": (1, "89.00")})
    request = approved_return(order, {"SHIRT": 2, "JEANS": 1})

    with django_capture_on_commit_callbacks(execute=True):
        receive_unit(request, code="SHIRT", condition=Condition.RESELLABLE, bin=returns_bin(), user=warehouse_user)
        receive_unit(request, code="JEANS", condition=Condition.DAMAGED, user=warehouse_user)
        finish_inspection(request, user=warehouse_user)  # the second shirt never came

    request.refresh_from_db()
    assert request.state == ReturnState.REFUNDED
    (note,) = CreditNote.objects.filter(invoice__order=order)
    # One of three shirts whose line (3 x 19.99 - 1.00 = 58.97) is shared by unit: 19.66.
    assert note.total == Decimal("19.66") and note.shipping_total == Decimal("0.00")
    assert _refunded(order) == Decimal("19.66")
    refund = PaymentTransaction.objects.get(order=order, kind=TransactionKind.REFUND)
    assert refund.data["credit_note_id"] == note.pk and refund.data["token"] == f"return:{request.pk}"
    assert order.events.filter(message__contains=f"Return {request.number} refunded").exists()


def test_a_full_withdrawal_also_refunds_the_outbound_shipping(warehouse_user, django_capture_on_commit_callbacks):
    order = delivered_order({"SHIRT": (2, "29.90"), "JEANS": (1, "89.00")}, shipping="4.90")
    request = approved_return(order, {"SHIRT": 2, "JEANS": 1})
    bin_ = returns_bin()

    with django_capture_on_commit_callbacks(execute=True):
        for code in ("SHIRT", "JEANS", "SHIRT"):
            receive_unit(request, code=code, condition=Condition.RESELLABLE, bin=bin_, user=warehouse_user)

    request.refresh_from_db()
    assert request.state == ReturnState.REFUNDED
    assert sum(n.total for n in CreditNote.objects.filter(invoice__order=order)) == Decimal("153.70")
    assert _refunded(order) == Decimal("153.70") == order.total


def test_a_return_in_two_parts_refunds_shipping_with_the_part_that_completes_the_withdrawal(
    warehouse_user, django_capture_on_commit_callbacks
):
    order = delivered_order({"SHIRT": (1, "29.90"), "JEANS": (1, "89.00")}, shipping="4.90")
    first = approved_return(order, {"SHIRT": 1})
    with django_capture_on_commit_callbacks(execute=True):
        receive_unit(first, code="SHIRT", condition=Condition.RESELLABLE, bin=returns_bin(), user=warehouse_user)
    assert _refunded(order) == Decimal("29.90")

    second = approved_return(order, {"JEANS": 1})
    with django_capture_on_commit_callbacks(execute=True):
        receive_unit(second, code="JEANS", condition=Condition.RESELLABLE, bin=returns_bin(), user=warehouse_user)

    assert _refunded(order) == Decimal("29.90") + Decimal("89.00") + Decimal("4.90")


def test_nothing_accepted_closes_the_return_without_credit_note_or_refund(
    warehouse_user, django_capture_on_commit_callbacks
):
    order = delivered_order()
    request = approved_return(order, {"JEANS": 1})

    with django_capture_on_commit_callbacks(execute=True):
        receive_unit(request, code="JEANS", condition=Condition.DAMAGED, user=warehouse_user)

    request.refresh_from_db()
    assert request.state == ReturnState.REJECTED
    assert not CreditNote.objects.filter(invoice__order=order).exists()
    assert _refunded(order) == 0


def test_the_sweep_credits_and_refunds_a_return_whose_event_was_lost_and_only_once(warehouse_user):
    order = delivered_order()
    request = approved_return(order, {"SHIRT": 1})
    # No on-commit callbacks run here: the event is lost.
    receive_unit(request, code="SHIRT", condition=Condition.RESELLABLE, bin=returns_bin(), user=warehouse_user)
    request.refresh_from_db()
    assert request.state == ReturnState.INSPECTED
    assert not CreditNote.objects.filter(invoice__order=order).exists()
    later = request.inspected_at + datetime.timedelta(minutes=10)

    assert sweep_unresolved_returns(now=request.inspected_at) == 0  # too young: left to the event
    assert sweep_unresolved_returns(now=later) == 1
    assert sweep_unresolved_returns(now=later) == 0

    request.refresh_from_db()
    assert request.state == ReturnState.REFUNDED
    assert CreditNote.objects.filter(invoice__order=order).count() == 1
    assert _refunded(order) == Decimal("29.90")
