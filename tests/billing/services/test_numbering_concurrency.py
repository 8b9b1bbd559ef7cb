"""Sixteen invoices issued at the same moment on PostgreSQL, each in its own connection, get
sixteen distinct numbers without a gap (the counter row is locked in each issuing transaction);
one that rolls back gives its number back."""

from __future__ import annotations

import threading

import pytest
from django.db import connections, transaction

from billing.models import ChannelBilling, Invoice, IssueOn, NumberCounter
from billing.services.issuing import issue_invoice_for_order
from tests.billing.flows import place

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 16


class Rollback(Exception):
    pass


def test_sixteen_concurrent_issues_get_distinct_gapless_numbers():
    orders = [place({f"SKU-{n}": (1, "10.00")}, channel_code="b2b") for n in range(THREADS + 1)]
    ChannelBilling.objects.create(channel=orders[0].channel, issue_on=IssueOn.CONFIRMATION)
    barrier = threading.Barrier(THREADS + 1)
    errors: list[BaseException] = []

    def issue(order_id: int, roll_back: bool) -> None:
        try:
            barrier.wait(timeout=30)
            if roll_back:
                with transaction.atomic():
                    issue_invoice_for_order(order_id=order_id)
                    raise Rollback
            issue_invoice_for_order(order_id=order_id)
        except Rollback:
            pass
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(order.pk, index == THREADS)) for index, order in enumerate(orders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    numbers = sorted(Invoice.objects.values_list("number", flat=True))
    year = Invoice.objects.first().invoice_date.year
    assert numbers == [f"RE-{year}-{n:06d}" for n in range(1, THREADS + 1)]
    assert NumberCounter.objects.get(series="RE", year=year).last == THREADS
