"""Two refunds racing for the same captured money on PostgreSQL: the order's row lock serialises
them, and the one that would refund more than was captured is refused."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from orders.exceptions import RefundExceedsCaptureError
from orders.models import Order, PaymentState, PaymentTransaction
from orders.services.intake import place_order
from orders.services.payments import record_payment
from tests.orders.factories import ChannelFactory, draft, stocked_product, warehouse

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_parallel_refunds_that_together_exceed_the_capture_refund_once():
    assert connection.vendor == "postgresql"
    lej = warehouse("LEJ")
    stocked_product("R-1", {lej: 5})
    channel = ChannelFactory(code="web")
    order = place_order(
        channel=channel, draft=draft({"R-1": 1}, price="50.00", payment_method="card", payment_captured=True)
    ).order
    assert order.total == Decimal("50.00")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def refund(reference: str) -> None:
        try:
            barrier.wait()
            record_payment(
                order=Order(pk=order.pk),
                kind="refund",
                amount=Decimal("30.00"),
                provider="psp",
                provider_reference=reference,
            )
            result = "refunded"
        except RefundExceedsCaptureError:
            result = "refused"
        except BaseException as exc:  # anything else fails the test below
            result = repr(exc)
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=refund, args=(f"RF-{n}",)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["refunded", "refused"]
    refunds = PaymentTransaction.objects.filter(order_id=order.pk, kind="refund")
    assert [r.amount for r in refunds] == [Decimal("30.00")]
    order.refresh_from_db()
    assert order.payment_state == PaymentState.PARTIALLY_REFUNDED
