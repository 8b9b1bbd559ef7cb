"""An outbound webhook subscriber that hangs, then answers 500 for as long as the test runs: orders
are still taken through the API and shipped at the dock at their usual pace (the deliveries leave
the request path: an outbox message each, POSTed by a Celery worker with a short timeout); each
delivery is tried again with the outbox's backoff (30 s, then 60 s) up to ``OUTBOX_MAX_ATTEMPTS``
and then stops, failed, with every attempt in the delivery log the admin shows.

Real parts: a redis-server of the test's own with eager mode off (``celery_broker``), a Celery
worker in a thread on the test database, an HTTP receiver on 127.0.0.1. The hang is real (the
receiver holds the connection until the worker's timeout gives up); the minutes between the
retries are not waited for: the clock is moved (time-machine) and the sweep run, as beat does
every minute.
"""

from __future__ import annotations

import datetime
import itertools
import json
import time
import uuid
from collections import Counter

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from django.urls import reverse
from django.utils import timezone

from fulfillment.models import Shipment, ShipmentState
from oms.celery import app as celery_app
from oms.models import (
    CustomerMail,
    MailStatus,
    OutboxMessage,
    OutboxStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookSubscription,
)
from oms.outbox import sweep_outbox_task
from orders.models import Order, OrderState
from tests.fulfillment.shipping import labelled_shipment
from tests.reliability import ordering

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

TIMEOUT = 10.0  # the worker's WEBHOOK_TIMEOUT_SECONDS: an inline delivery would wait this long
BOUND = TIMEOUT / 2  # what one request may take here, on a busy CI machine (it takes ~0.1-1 s)
MAX_ATTEMPTS = 3


def _wait(predicate, *, timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    assert predicate(), f"timed out after {timeout} s waiting for {what}"


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def _attempts() -> Counter:
    return Counter(dict(WebhookDelivery.objects.values_list("pk", "attempts")))


def test_a_hanging_then_failing_subscriber_never_slows_intake_or_shipping_and_its_deliveries_stop_visibly_at_the_limit(
    celery_broker, settings, receiver, warehouse_client, admin_client_
):
    settings.OUTBOX_SWEEP_GRACE_SECONDS = 0
    settings.OUTBOX_MAX_ATTEMPTS = MAX_ATTEMPTS
    settings.WEBHOOK_TIMEOUT_SECONDS = TIMEOUT
    documents_queue = f"{celery_broker.queue}-documents"  # PDFs are not what this test is about
    settings.OUTBOX_QUEUES = {"document": documents_queue, "return-label": documents_queue}
    ordering.make_channel("web")
    ordering.make_product("HANG-1", units=20)
    shipment = labelled_shipment()
    WebhookSubscription.objects.create(
        name="ERP", url=receiver.url, secret="s" * 32, events=["order.created", "shipment.shipped"]
    )
    receiver.hang = 1  # the first POST gets no answer at all ...
    receiver.default = (500, "upstream down")  # ... every later one a 500
    api = ordering.api_client("web")

    def place():
        body = json.dumps(ordering.order_body(["HANG-1"]))
        return api.post(
            ordering.ORDERS_PATH, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex
        )

    took = []
    with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=[celery_broker.queue]):
        sweep_outbox_task()  # what the set-up queued before the worker ran
        response, seconds = _timed(place)
        assert response.status_code == 201, response.content
        took.append(seconds)
        # No attempt was made in the request: its delivery is the worker's, and the worker hangs in it.
        assert WebhookDelivery.objects.count() == 1 and not WebhookAttempt.objects.exists()
        _wait(lambda: len(receiver.requests) == 1, what="the worker to reach the hanging subscriber")

        # While the worker hangs, orders come in and the dock ships as before.
        for _ in range(2):
            response, seconds = _timed(place)
            assert response.status_code == 201, response.content
            took.append(seconds)
        response, seconds = _timed(
            lambda: warehouse_client.post(reverse("fulfillment:warehouse-ship-confirm"), {"code": shipment.reference})
        )
        assert response.status_code == 302, response.content.decode()[:2000]
        took.append(seconds)
        assert Shipment.objects.get(pk=shipment.pk).state == ShipmentState.SHIPPED
        assert not WebhookAttempt.objects.exists()  # still the first POST, unanswered
        assert max(took) < BOUND, took
        assert set(Order.objects.exclude(pk=shipment.order_id).values_list("state", flat=True)) == {
            OrderState.ALLOCATED
        }
        deliveries = list(WebhookDelivery.objects.order_by("pk").values_list("pk", flat=True))
        assert len(deliveries) == 4  # three orders created, one shipment shipped

        # The worker gives up on the hang after its timeout and goes on: each delivery is refused.
        _wait(lambda: _attempts() == Counter(dict.fromkeys(deliveries, 1)), timeout=TIMEOUT + 60, what="attempt 1")
        [hung] = WebhookAttempt.objects.filter(delivery_id=deliveries[0])
        assert hung.status_code is None and "timed out" in hung.error.lower()
        assert TIMEOUT * 1000 * 0.9 <= hung.duration_ms < (TIMEOUT + 30) * 1000
        first_attempts = timezone.now()

        # Not due before the backoff: nothing is sent again.
        with time_machine.travel(first_attempts + datetime.timedelta(seconds=20), tick=True):
            sweep_outbox_task()
            time.sleep(0.5)
        assert _attempts() == Counter(dict.fromkeys(deliveries, 1))
        # The minutes pass; the sweep sends each again when its backoff is over (30 s, 60 s).
        for attempt, after in [(2, 35), (3, 35 + 75)]:
            with time_machine.travel(first_attempts + datetime.timedelta(seconds=after), tick=True):
                assert sweep_outbox_task() >= len(deliveries)
                expected = Counter(dict.fromkeys(deliveries, attempt))
                _wait(lambda e=expected: _attempts() == e, what=f"attempt {attempt}")
        # At the limit: failed for good, nothing more is sent however long one waits.
        with time_machine.travel(first_attempts + datetime.timedelta(hours=2), tick=True):
            sweep_outbox_task()
            time.sleep(1)
        _wait(
            lambda: not CustomerMail.objects.exclude(status=MailStatus.SENT).exists(),
            what="the customer mails (the subscriber's trouble is not theirs)",
        )

    assert len(receiver.requests) == len(deliveries) * MAX_ATTEMPTS
    per_delivery = Counter(r.headers["x-oms-delivery"] for r in receiver.requests)
    assert set(per_delivery.values()) == {MAX_ATTEMPTS}
    assert set(WebhookDelivery.objects.values_list("status", "attempts")) == {
        (WebhookDeliveryStatus.FAILED, MAX_ATTEMPTS)
    }
    assert set(OutboxMessage.objects.filter(kind="webhook").values_list("status", flat=True)) == {OutboxStatus.FAILED}
    first = list(WebhookAttempt.objects.filter(delivery_id=deliveries[0]).values_list("status_code", "at"))
    assert [code for code, _at in first] == [None, 500, 500]
    gaps = [(b - a).total_seconds() for (_c, a), (_d, b) in itertools.pairwise(first)]
    assert gaps[0] >= 30 and gaps[1] >= 60, gaps  # the backoff, doubled

    # Visible: the admin's delivery log lists them as failed, with why.
    listing = admin_client_.get(reverse("admin:oms_webhookdelivery_changelist"), {"status": "failed"})
    assert listing.status_code == 200
    assert listing.content.decode().count("order.created") >= 3 and "shipment.shipped" in listing.content.decode()
    page = admin_client_.get(reverse("admin:oms_webhookdelivery_change", args=[deliveries[0]]))
    assert page.status_code == 200
    assert "timed out" in page.content.decode() and "upstream down" in page.content.decode()
