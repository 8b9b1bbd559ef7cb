"""Two managers at the same moment (real parallel connections): a draft is sent to its supplier
once, and the same suggestions become one set of drafts, not two."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from inventory.models import DemandForecast, PurchaseOrder
from inventory.services.purchasing import create_purchase_orders_from_suggestions, send_purchase_order
from inventory.services.receiving import OrderLineInput, create_purchase_order
from oms.exceptions import DomainError
from oms.models import CustomerMail
from tests.inventory.factories import ProductFactory, SupplierFactory, WarehouseFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def at_once(work, count: int = 2) -> list[object]:
    """Run ``work`` in ``count`` threads with their own connections, started together."""
    start = threading.Barrier(count)
    results: list[object] = []

    def run() -> None:
        try:
            start.wait()
            results.append(work())
        except DomainError as exc:
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_a_draft_sent_by_two_managers_at_once_is_mailed_once():
    draft = create_purchase_order(
        supplier=SupplierFactory(email="orders@acme.example"),
        warehouse=WarehouseFactory(),
        lines=[OrderLineInput(product_id=ProductFactory().pk, quantity=4)],
        draft=True,
    )

    results = at_once(lambda: send_purchase_order(purchase_order=PurchaseOrder.objects.get(pk=draft.pk)))

    assert sum(isinstance(r, PurchaseOrder) for r in results) == 1
    assert sum(isinstance(r, DomainError) for r in results) == 1
    assert CustomerMail.objects.filter(subject_id=str(draft.pk)).count() == 1


def test_the_same_suggestions_ordered_twice_at_once_make_one_draft():
    supplier = SupplierFactory()
    warehouse = WarehouseFactory()
    forecast = DemandForecast.objects.create(
        product=ProductFactory(default_supplier=supplier),
        warehouse=warehouse,
        computed_at=timezone.now(),
        history_end=datetime.date(2026, 11, 30),
        method="test",
        suggested_reorder_point=5,
        suggested_target=20,
    )

    results = at_once(lambda: create_purchase_orders_from_suggestions(forecast_ids=[forecast.pk]))

    assert sum(isinstance(r, DomainError) for r in results) == 1
    assert PurchaseOrder.objects.count() == 1
