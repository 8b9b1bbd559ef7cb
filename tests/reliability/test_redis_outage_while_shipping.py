"""Redis stopped while the warehouse ships: the dock ships what is labelled and the pack screen
packs what is picked, through the warehouse screens; every customer mail (shipping
confirmations, invoices: billing issues on shipment) and every outbound webhook those changes
caused waits in the outbox; when Redis is back a real worker books the waiting labels, the rest
ships, and each mail and each webhook delivery reaches its receiver exactly once.

As in ``test_redis_outage``: a redis-server of the test's own (``celery_broker``), eager mode off,
and once Redis is back a real Celery worker in a thread on the test database plus the periodic
sweep. The receivers are real: the mail outbox (each mail carries its outbox message's
``X-OMS-Idempotency-Key``) and an HTTP server on 127.0.0.1 (``X-OMS-Delivery`` is the delivery's
id, the same on every retry). PDFs (labels, delivery notes) go to a queue no worker of this test
consumes: rendering them is not what is tested here.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.urls import reverse

from billing.documents import INVOICE_MAIL
from billing.models import Invoice
from fulfillment.mails import SHIPPING_CONFIRMATION
from fulfillment.models import LabelState, Shipment, ShipmentState
from oms.celery import app as celery_app
from oms.models import (
    CustomerMail,
    MailStatus,
    OutboxMessage,
    OutboxStatus,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookSubscription,
)
from oms.outbox import deliver_outbox_message_task, sweep_outbox_task
from orders.models import Order, OrderState
from tests.fulfillment.shipping import labelled_shipment, picked_shipment

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

EVENTS = ["order.status_changed", "shipment.shipped", "invoice.issued"]


def _wait(predicate, *, timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    assert predicate(), f"timed out after {timeout} s waiting for {what}"


def _ship_at_the_dock(client, shipment: Shipment) -> None:
    response = client.post(reverse("fulfillment:warehouse-ship-confirm"), {"code": shipment.reference})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Shipment.objects.get(pk=shipment.pk).state == ShipmentState.SHIPPED


def _close_at_the_pack_screen(client, picked) -> None:
    data = {"scan": picked.scans, "packages": "1", "package_type-1": picked.packages[0].package_type.pk}
    data["weight-1"] = "1200"
    url = reverse("fulfillment:warehouse-pack-close", kwargs={"reference": picked.shipment.reference})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    packed = Shipment.objects.get(pk=picked.shipment.pk)
    assert (packed.state, packed.label_state) == (ShipmentState.PACKED, LabelState.REQUESTED)


def _mail_keys() -> Counter:
    return Counter(m.extra_headers["X-OMS-Idempotency-Key"] for m in mail.outbox)


def test_shipping_goes_on_while_redis_is_down_and_its_mails_and_webhooks_arrive_once_when_it_is_back(
    celery_broker, settings, receiver, warehouse_client
):
    settings.OUTBOX_SWEEP_GRACE_SECONDS = 0  # the beat's minute has passed
    documents_queue = f"{celery_broker.queue}-documents"
    settings.OUTBOX_QUEUES = {"document": documents_queue, "return-label": documents_queue}  # labels: ours
    # Two shipments labelled at the dock, two picked at the packing table (their orders placed,
    # allocated and released through the services; the mails of that wait in the outbox too).
    labelled = [labelled_shipment() for _ in range(2)]
    picked = [picked_shipment() for _ in range(2)]
    WebhookSubscription.objects.create(name="ERP", url=receiver.url, secret="s" * 32, events=EVENTS)

    # Redis goes away (without persistence: what it held is gone).
    celery_broker.stop()
    mail.outbox.clear()
    for shipment in labelled:
        _ship_at_the_dock(warehouse_client, shipment)
    for shipment in picked:
        _close_at_the_pack_screen(warehouse_client, shipment)

    # Shipped and invoiced; nothing has left the building.
    for shipment in labelled:
        assert Order.objects.get(pk=shipment.order_id).state == OrderState.SHIPPED
    assert Invoice.objects.count() == 2
    confirmations = CustomerMail.objects.filter(kind=SHIPPING_CONFIRMATION)
    assert confirmations.count() == 2 and CustomerMail.objects.filter(kind=INVOICE_MAIL).count() == 2
    assert not CustomerMail.objects.exclude(status=MailStatus.PENDING).exists()
    during = set(WebhookDelivery.objects.values_list("event", flat=True))
    assert during == set(EVENTS) and not WebhookDelivery.objects.exclude(status=WebhookDeliveryStatus.PENDING)
    assert mail.outbox == [] and receiver.requests == []
    assert not OutboxMessage.objects.exclude(status=OutboxStatus.PENDING).exists()

    # Redis comes back: a worker runs, the sweep sends what waited; the labels are booked and
    # the last two shipments leave through the dock as well.
    celery_broker.start()
    with start_worker(celery_app, pool="solo", perform_ping_check=False, queues=[celery_broker.queue]):
        assert sweep_outbox_task() > 0
        _wait(
            lambda: (
                Shipment.objects.filter(pk__in=[p.shipment.pk for p in picked], label_state=LabelState.READY).count()
                == 2
            ),
            what="the worker to book the labels packed while Redis was away",
        )
        for p in picked:
            _ship_at_the_dock(warehouse_client, Shipment.objects.get(pk=p.shipment.pk))

        def everything_delivered() -> bool:
            return (
                not CustomerMail.objects.exclude(status=MailStatus.SENT).exists()
                and not WebhookDelivery.objects.exclude(status=WebhookDeliveryStatus.DELIVERED).exists()
            )

        _wait(everything_delivered, timeout=120, what="every mail and webhook to be delivered")
        # A second sweep and a duplicate task send nothing again.
        sweep_outbox_task()
        delivered = OutboxMessage.objects.filter(kind="webhook").values_list("pk", flat=True).first()
        deliver_outbox_message_task.delay(delivered)
        time.sleep(1)

    # Exactly once at each receiver.
    assert Invoice.objects.count() == 4
    assert CustomerMail.objects.filter(kind=SHIPPING_CONFIRMATION).count() == 4
    assert CustomerMail.objects.filter(kind=INVOICE_MAIL).count() == 4
    mail_messages = OutboxMessage.objects.filter(kind="customer_mail")
    assert set(_mail_keys()) == {str(key) for key in mail_messages.values_list("key", flat=True)}
    assert all(count == 1 for count in _mail_keys().values()), _mail_keys()
    received = Counter(r.headers["x-oms-delivery"] for r in receiver.requests)
    assert set(received) == {str(d) for d in WebhookDelivery.objects.values_list("delivery_id", flat=True)}
    assert all(count == 1 for count in received.values()), received
    shipped = Counter(r.headers["x-oms-event"] for r in receiver.requests)
    assert (shipped["shipment.shipped"], shipped["invoice.issued"]) == (4, 4)
    assert set(WebhookDelivery.objects.values_list("attempts", flat=True)) == {1}
    assert all(s.state == ShipmentState.SHIPPED for s in Shipment.objects.all())
