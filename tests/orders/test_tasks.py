"""The CSV order import through a real Celery worker over Redis (no eager mode): the upload
answers at once, the worker places the orders, the status page the agent polls reaches done."""

from __future__ import annotations

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from orders.models import Order, OrderImport, OrderImportStatus, OrderState
from tests.oms.test_celery_redis import celery_worker_process  # noqa: F401  (fixture)
from tests.orders.support_fixtures import *  # noqa: F403  (fixtures)

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CSV = (
    "external_id,customer_email,customer_name,ship_name,ship_street,ship_postcode,ship_city,ship_country,"
    "sku,quantity,unit_price\n"
    "W-1,anna@example.com,Anna Schmidt,Anna Schmidt,Lindenstr. 5,10115,Berlin,DE,SHIRT-BLK-M,2,24.90\n"
    "W-1,anna@example.com,Anna Schmidt,Anna Schmidt,Lindenstr. 5,10115,Berlin,DE,MUG-WHT,1,12.50\n"
    "W-2,bob@example.com,Bob Meier,Bob Meier,Hauptstr. 1,80331,München,DE,MUG-WHT,3,12.50\n"
)


def test_a_worker_runs_the_upload_and_the_polled_status_ends_done(
    celery_worker_process,  # noqa: F811
    support_client,
    catalogue,
    webshop,
    monkeypatch,
):
    def not_here(**_kw):
        raise AssertionError("the import ran in the web process, not in the worker")

    # Proof that the worker runs it: in this process the task's service would fail.
    monkeypatch.setattr("orders.tasks.run_order_import", not_here)
    upload = SimpleUploadedFile("orders.csv", CSV.encode(), content_type="text/csv")

    response = support_client.post(reverse("orders:support-order-import"), {"file": upload, "channel": "webshop"})

    assert response.status_code == 302
    order_import = OrderImport.objects.get()
    url = reverse("orders:support-order-import-detail", args=[order_import.pk])
    polls = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        polled = support_client.get(url, headers={"HX-Request": "true"})
        polls.append(polled.status_code)
        if polled.status_code == 286:  # htmx: stop polling, the import is finished
            break
        time.sleep(0.3)
    order_import.refresh_from_db()
    assert order_import.status == OrderImportStatus.DONE, (order_import.errors, celery_worker_process.stdout)
    assert polls[-1] == 286 and "3 of 3 rows" in polled.content.decode()
    assert (order_import.created, order_import.existing) == (2, 0)
    assert set(Order.objects.values_list("external_id", "state")) == {
        ("W-1", OrderState.ALLOCATED),
        ("W-2", OrderState.ALLOCATED),
    }
