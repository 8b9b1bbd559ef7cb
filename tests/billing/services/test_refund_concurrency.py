"""Two refunds racing for the same money on PostgreSQL: each thread has its own connection; the
order's row lock makes the second one see the first, so together they never exceed the capture."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from django.db import connections

from billing import providers
from billing.providers.stripe import StripeProvider
from billing.services.refunds import refund_payment
from orders.exceptions import RefundExceedsCaptureError
from orders.models import PaymentTransaction, TransactionKind
from tests.billing.factories import capture, placed_order

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


class SlowStripe(StripeProvider):
    """Stripe taking its time to answer: the other refund starts while this one is in flight."""

    def refund(self, request):
        time.sleep(0.5)
        return super().refund(request)


@pytest.fixture
def slow_stripe():
    providers.register(SlowStripe())
    yield
    providers.register(StripeProvider())


def test_two_parallel_refunds_cannot_exceed_what_was_captured(slow_stripe):
    order = placed_order()
    capture(order, "44.88")
    barrier = threading.Barrier(2)
    results: list[str] = []
    errors: list[BaseException] = []

    def refund(token: str) -> None:
        try:
            barrier.wait()
            refund_payment(order=order, amount=Decimal("30.00"), reason="race", token=token)
            results.append("ok")
        except RefundExceedsCaptureError:
            results.append("refused")
        except BaseException as exc:  # a deadlock or constraint violation: the test must see it
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=refund, args=(f"t{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert errors == []
    assert sorted(results) == ["ok", "refused"]
    refunded = PaymentTransaction.objects.filter(order=order, kind=TransactionKind.REFUND)
    assert [r.amount for r in refunded] == [Decimal("30.00")]
