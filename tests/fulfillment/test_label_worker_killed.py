"""A documents worker killed (SIGKILL of its whole process group) while it renders a shipping
label: the tracking number was committed before the render began, the next worker renders the
PDF, and the shipment keeps exactly one tracking number and one label.

Real parts throughout: a Celery worker process (prefork) on the test database and a redis-server
of the test's own, the outbox and its sweep, WeasyPrint. The worker is killed at the moment it
holds the lock on the document's outbox message, which it holds for the whole render.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.db import connection

from fulfillment.models import Package, Shipment, ShipmentState
from fulfillment.services.labels import LABEL_DOCUMENT
from oms import documents, outbox
from oms.models import Document, DocumentStatus, OutboxMessage, OutboxStatus
from tests.fulfillment.shipping import picked_shipment
from tests.reliability.conftest import celery_broker, redis_process  # noqa: F401  (fixtures)
from tests.reliability.test_worker_killed import _alive, _wait_for, workers  # noqa: F401  (fixture)

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]


def _rendering() -> bool:
    """True while a worker holds the lock on the label's document message (it renders).

    Looked at without locking anything: the row's ``xmax`` names the transaction that locked it,
    and that transaction holds the lock on its own id while it runs. A probe that took the row
    lock itself (``SELECT ... FOR UPDATE NOWAIT``), however briefly, would make a worker that
    arrives in that moment skip the message (delivery locks with ``SKIP LOCKED``), and nothing
    would render it until the next sweep: the wait below would time out."""
    message = OutboxMessage.objects.filter(kind="document").order_by("pk").first()
    if message is None:
        return False
    table = connection.ops.quote_name(OutboxMessage._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {table} m JOIN pg_locks l ON l.locktype = 'transactionid'"
            " AND l.transactionid = m.xmax AND l.granted WHERE m.id = %s AND l.pid <> pg_backend_pid())",
            [message.pk],
        )
        return bool(cursor.fetchone()[0])


def _diagnosis(log: Path) -> str:
    """What the worker printed and what every connection to the test database is doing, read at the
    moment a wait gave up (a hang shows as a session waiting on a lock or a client)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, state, wait_event_type, wait_event, left(query, 200) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        sessions = "\n".join(repr(row) for row in cursor.fetchall())
    return f"\n--- worker log (tail) ---\n{log.read_text()[-3000:]}\n--- database sessions ---\n{sessions}"


def _wait_or_explain(condition, *, log: Path, **kwargs) -> None:
    try:
        _wait_for(condition, **kwargs)
    except AssertionError as exc:
        raise AssertionError(f"{exc}{_diagnosis(log)}") from None


def test_a_worker_killed_mid_render_leaves_one_tracking_number_and_the_next_worker_renders_the_label(
    workers,  # noqa: F811  (the fixtures imported above)
    celery_broker,  # noqa: F811
    settings,
):
    queue = f"{celery_broker.queue}-documents"
    settings.OUTBOX_QUEUES = {"document": queue, "label": queue}
    settings.OUTBOX_SWEEP_GRACE_SECONDS = 0
    workers.env.update({"CELERY_DEFAULT_QUEUE": queue, "DOCUMENTS_QUEUE": queue})
    picked = picked_shipment(carrier="ups", service_code="standard", packages=2)
    shipment = picked.shipment

    first, first_log = workers.start("first")
    _wait_for(lambda: "ready." in first_log.read_text(), timeout=90, what=f"the first worker ({first_log})")
    picked.pack()  # the label is requested in the packing transaction

    # The worker books the label (committed), then starts rendering: kill it in the middle.
    _wait_or_explain(_rendering, log=first_log, timeout=120, interval=0.01, what="the render to start")
    group = workers.kill(first)
    _wait_for(lambda: not any(_alive(pid) for pid in group), timeout=5, what="every process of the worker to die")

    booked = Shipment.objects.get(pk=shipment.pk)
    number = booked.tracking_number
    assert booked.state == ShipmentState.LABELLED and number.startswith("1Z")
    label = Document.objects.get(kind=LABEL_DOCUMENT)
    assert label.status == DocumentStatus.PENDING  # the render rolled back with the dead worker
    assert OutboxMessage.objects.get(kind="label").status == OutboxStatus.DELIVERED
    packages = list(Package.objects.filter(shipment=shipment).values_list("tracking_number", flat=True))

    # A new worker; the outbox sweep (beat's minute) sends the pending render again.
    _second, second_log = workers.start("second")
    _wait_for(lambda: "ready." in second_log.read_text(), timeout=90, what="the second worker")
    outbox.sweep()
    _wait_or_explain(
        lambda: Document.objects.get(pk=label.pk).status == DocumentStatus.READY,
        log=second_log,
        timeout=90,
        interval=0.2,
        what="the second worker to render the label",
    )

    after = Shipment.objects.get(pk=shipment.pk)
    assert after.tracking_number == number and after.label_document_id == label.pk
    assert list(Package.objects.filter(shipment=shipment).values_list("tracking_number", flat=True)) == packages
    assert Document.objects.filter(kind=LABEL_DOCUMENT).count() == 1
    assert OutboxMessage.objects.filter(kind="label").count() == 1
    pdf = documents.read_document(Document.objects.get(pk=label.pk))
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert number in text
