"""Redis stopped: orders are still taken (API 201) and nothing is lost; when Redis is back, the
outbox delivers every pending side effect exactly once from the receiver's point of view.

The test runs a redis-server of its own (so it can stop it), points Celery's broker at it with
eager mode off (``celery_broker``), and, once Redis is back, runs a real Celery worker (in a
thread, on the test database) and the periodic sweep. The receiver is the mail outbox: each mail
carries the outbox message's idempotency key (``X-OMS-Idempotency-Key``), by which a receiver
drops repeats.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import transaction
from django.utils import timezone

from oms import outbox
from oms.celery import app as celery_app
from oms.models import OutboxMessage, OutboxStatus
from oms.outbox import deliver_outbox_message_task, sweep_outbox_task
from tests.reliability import ordering

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def worker(broker):
    """A real worker in a thread of this process, consuming the test's queue."""
    return start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=[broker.queue])


def _wait_until_delivered(ids: list[int], timeout: float = 30) -> dict[int, str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        statuses = dict(OutboxMessage.objects.filter(pk__in=ids).values_list("pk", "status"))
        if all(s != OutboxStatus.PENDING for s in statuses.values()):
            return statuses
        time.sleep(0.1)
    return dict(OutboxMessage.objects.filter(pk__in=ids).values_list("pk", "status"))


def _received_keys() -> Counter:
    return Counter(m.extra_headers["X-OMS-Idempotency-Key"] for m in mail.outbox)


def _enqueue_mails(count: int) -> None:
    with transaction.atomic():
        for n in range(count):
            outbox.enqueue("mail", {"to": [f"kunde{n}@example.de"], "subject": f"Bestellung {n}", "body": "Danke"})


def test_orders_are_taken_while_redis_is_down_and_side_effects_arrive_once_when_it_is_back(celery_broker, settings):
    from orders.models import Order

    settings.OUTBOX_SWEEP_GRACE_SECONDS = 0  # the beat's minute has passed
    # Redis goes away.
    celery_broker.stop()
    mail.outbox.clear()

    # Orders still come in through the API; their side effects wait in the outbox.
    placed = ordering.place_orders_through_api(3)
    assert [status for status, _ in placed] == [201, 201, 201], placed
    numbers = {body["number"] for _, body in placed}
    assert set(Order.objects.filter(number__in=numbers).values_list("number", flat=True)) == numbers
    # And any side effect recorded in a transaction waits with them.
    _enqueue_mails(3)

    pending = list(OutboxMessage.objects.filter(status=OutboxStatus.PENDING).values_list("pk", "key"))
    assert len(pending) >= 3
    assert OutboxMessage.objects.exclude(status=OutboxStatus.PENDING).count() == 0
    assert mail.outbox == []

    # Redis comes back; a worker runs and the sweep re-sends what was not delivered.
    celery_broker.start()
    with worker(celery_broker):
        assert sweep_outbox_task() == len(pending)
        # The next sweep (beat runs every minute) leaves what it just handed over to the worker.
        assert sweep_outbox_task() == 0
        statuses = _wait_until_delivered([pk for pk, _ in pending])
        # A duplicate task finds nothing left to send.
        deliver_outbox_message_task.delay(pending[0][0])
        time.sleep(1)
        assert sweep_outbox_task() == 0

    assert set(statuses.values()) == {OutboxStatus.DELIVERED}
    received = _received_keys()
    assert set(received) == {str(key) for _, key in pending}
    assert all(count == 1 for count in received.values()), received
    assert all(
        attempts == 1
        for attempts in OutboxMessage.objects.filter(pk__in=[p for p, _ in pending]).values_list("attempts", flat=True)
    )


def test_tasks_lost_with_a_restarted_redis_are_sent_again_after_the_resend_delay(celery_broker, settings):
    """Redis restarts without persistence and forgets the queued tasks: the sweep leaves alone what
    it handed over moments ago, and re-sends what is still pending once the re-send delay is over."""
    settings.OUTBOX_RESEND_SECONDS = 2
    mail.outbox.clear()

    _enqueue_mails(3)  # each one's task is in Redis now; no worker runs yet
    ids = list(OutboxMessage.objects.values_list("pk", flat=True))
    assert len(ids) == 3
    assert sweep_outbox_task() == 0  # younger than the grace time: their own tasks are queued

    # A minute later nothing was delivered (no worker): the sweep sends them again, once.
    OutboxMessage.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    assert sweep_outbox_task() == 3
    assert sweep_outbox_task() == 0

    celery_broker.stop()  # the queue dies with it
    celery_broker.start()
    assert sweep_outbox_task() == 0  # still within the re-send delay
    time.sleep(settings.OUTBOX_RESEND_SECONDS + 0.2)
    assert sweep_outbox_task() == 3  # stuck: sent again

    with worker(celery_broker):
        statuses = _wait_until_delivered(ids)
    assert set(statuses.values()) == {OutboxStatus.DELIVERED}
    assert sorted(_received_keys().values()) == [1, 1, 1]
    assert list(OutboxMessage.objects.values_list("attempts", flat=True)) == [1, 1, 1]


def test_a_csv_order_upload_while_redis_is_down_says_so_instead_of_failing(celery_broker, support_client):
    """The CSV import runs in a worker; with the broker away it cannot start. The agent gets the
    import page saying to upload again (not a server error, not an import "waiting" for ever)."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from orders.models import Order, OrderImport, OrderImportStatus

    ordering.make_channel("webshop")
    ordering.make_product("REL-CSV", units=5)
    csv = (
        "external_id,customer_email,customer_name,ship_name,ship_street,ship_postcode,ship_city,ship_country,"
        "sku,quantity,unit_price\n"
        "C-1,anna@example.com,Anna Schmidt,Anna Schmidt,Lindenstr. 5,10115,Berlin,DE,REL-CSV,1,19.99\n"
    )
    celery_broker.stop()

    upload = SimpleUploadedFile("orders.csv", csv.encode(), content_type="text/csv")
    response = support_client.post(
        reverse("orders:support-order-import"),
        {"file": upload, "channel": "webshop"},
        HTTP_ACCEPT_LANGUAGE="en",  # the message is stored in the uploader's language
    )

    order_import = OrderImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:support-order-import-detail", args=[order_import.pk])
    assert order_import.status == OrderImportStatus.FAILED
    assert "upload the file again" in order_import.errors[0]["message"]
    assert Order.objects.count() == 0
    page = support_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert "upload the file again" in page.content.decode()


def test_stock_received_while_redis_is_down_reaches_the_backorders_through_the_sweep(celery_broker):
    """Allocating backorders is a worker's job; with the broker away it cannot be queued. The
    receipt is still booked, and the backorder sweep (beat) allocates the waiting order later."""
    from inventory.services.stock import receive_stock
    from orders.models import OrderState
    from orders.services.intake import place_order
    from orders.tasks import sweep_backorders_task

    channel = ordering.make_channel("web")
    product = ordering.make_product("REL-BO")
    order = place_order(channel=channel, draft=ordering.order_draft({"REL-BO": 2})).order
    assert order.state == OrderState.BACKORDERED

    celery_broker.stop()
    receive_stock(product=product, warehouse=ordering.make_warehouse(), quantity=5, reference="PO-REL")

    order.refresh_from_db()
    assert order.state == OrderState.BACKORDERED  # nothing could be queued, nothing was lost
    assert product.stock_levels.get().on_hand == 5

    celery_broker.start()
    with worker(celery_broker):
        sweep_backorders_task.delay()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and order.state != OrderState.ALLOCATED:
            time.sleep(0.1)
            order.refresh_from_db()
    assert order.state == OrderState.ALLOCATED
    assert product.stock_levels.get().reserved == 2
