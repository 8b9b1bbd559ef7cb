"""A whole Celery worker killed (SIGKILL of its main process and its pool children, as the OOM
killer or ``docker kill`` do) in the middle of a CSV order import: a new worker with beat resumes
the import where it stopped, within the stale period plus one sweep, and every order of the file
exists exactly once; the dead worker's own message, delivered again after the visibility timeout,
changes nothing.

Real parts throughout: the upload goes through the page, worker and beat are real processes
(``celery -A oms worker -B``, prefork pool) on the test database and a redis-server of the test's
own. The timeouts are shortened through the environment the worker reads its settings from
(heartbeat 0.5 s, stale after 3 s, sweep every second, visibility timeout 20 s: longer than the
sweep needs, so the test sees the sweep resume the import), not slept through.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from oms.celery import app as celery_app
from tests.reliability import ordering
from tests.reliability.conftest import forget_celery_routing

pytestmark = [
    pytest.mark.reliability,
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
ORDERS = 200
STALE_SECONDS = 3
SWEEP_SECONDS = 1
VISIBILITY_TIMEOUT = 20
IMPORT_TASK = "orders.tasks.import_orders_csv_task"


class Workers:
    """Starts real worker processes, each the leader of its own process group, and kills them."""

    def __init__(self, broker, tmp_path: Path) -> None:
        db = settings.DATABASES["default"]
        self.tmp_path = tmp_path
        self.env = {
            **os.environ,
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{connection.settings_dict['NAME']}",
            "REDIS_URL": broker.url,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "EMAIL_URL": "dummymail://",
            "ORDER_IMPORT_HEARTBEAT_SECONDS": "0.5",
            "ORDER_IMPORT_STALE_SECONDS": str(STALE_SECONDS),
            "ORDER_IMPORT_SWEEP_SECONDS": str(SWEEP_SECONDS),
            "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
            "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        }
        self.procs: list[subprocess.Popen] = []

    def start(self, name: str, *, beat: bool = False) -> tuple[subprocess.Popen, Path]:
        log = self.tmp_path / f"{name}.log"
        command = [sys.executable, "-m", "celery", "-A", "oms", "worker", "-n", f"{name}@%h", "-P", "prefork"]
        command += ["-c", "2", "-l", "info", "--without-gossip", "--without-mingle"]
        if beat:
            command += ["-B", "-s", str(self.tmp_path / "beat-schedule")]
        with log.open("w") as out:
            proc = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.procs.append(proc)
        return proc, log

    def kill(self, proc: subprocess.Popen) -> list[int]:
        """SIGKILL the worker's whole process group: main process and pool children at once."""
        group = _group_members(proc.pid)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        return group

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def _group_members(pgid: int) -> list[int]:
    members = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == pgid:
                    members.append(int(entry.name))
            except ProcessLookupError:
                pass
    return members


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"  # a zombie has died; only its exit status is left


def _wait_for(condition, *, timeout: float, interval: float = 0.05, what: str = ""):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _import_messages(client: redis.Redis) -> dict[str, str]:
    """The import tasks Redis holds as delivered but not acknowledged: {task id: message}."""
    held = {}
    for raw in client.hvals("unacked"):
        message = json.loads(raw)[0]
        if message["headers"].get("task") == IMPORT_TASK:
            held[message["headers"]["id"]] = message
    return held


@pytest.fixture
def workers(celery_broker, tmp_path, settings, transactional_db):
    # The worker and beat use Celery's default queue; this Redis is the test's own, nothing else
    # consumes it.
    celery_app.conf.task_default_queue = "celery"
    forget_celery_routing(celery_app)
    settings.MEDIA_ROOT = tmp_path / "media"
    manager = Workers(celery_broker, tmp_path)
    yield manager
    manager.stop_all()


def _csv(count: int) -> str:
    header = (
        "external_id,customer_email,customer_name,ship_name,ship_street,ship_postcode,ship_city,ship_country,"
        "sku,quantity,unit_price\n"
    )
    rows = [
        f"K-{n:04d},kunde{n}@example.de,Kunde {n},Kunde {n},Hauptstr. {n},10115,Berlin,DE,REL-KILL,1,19.99\n"
        for n in range(count)
    ]
    return header + "".join(rows)


def test_a_killed_worker_mid_import_is_resumed_by_the_next_worker_and_every_order_exists_once(
    workers, celery_broker, support_client
):
    from orders.models import Order, OrderImport, OrderImportStatus, OrderLine

    channel = ordering.make_channel("webshop")
    ordering.make_product("REL-KILL", units=ORDERS)
    broker = redis.Redis.from_url(celery_broker.url)
    first, first_log = workers.start("first")

    # The agent uploads the file; the first worker starts placing its orders.
    upload = SimpleUploadedFile("orders.csv", _csv(ORDERS).encode(), content_type="text/csv")
    response = support_client.post(reverse("orders:support-order-import"), {"file": upload, "channel": "webshop"})
    assert response.status_code == 302
    order_import = OrderImport.objects.get()

    def placing():
        order_import.refresh_from_db()
        return order_import.created >= 20

    _wait_for(placing, timeout=90, what=f"the first worker to place orders ({first_log.read_text()[-2000:]})")
    [original_task] = _import_messages(broker)  # the message the first worker holds

    # The whole worker dies at once.
    group = workers.kill(first)
    killed_at = time.monotonic()
    assert len(group) >= 3  # the main process and its two pool children
    _wait_for(lambda: not any(_alive(pid) for pid in group), timeout=5, what="every process of the worker to die")
    order_import.refresh_from_db()
    placed_before = order_import.created
    assert order_import.status == OrderImportStatus.RUNNING and order_import.attempts == 1
    assert 0 < placed_before < ORDERS, "the import must be killed in the middle"
    assert order_import.processed == placed_before  # exact: each order commits with its counter
    assert Order.objects.filter(channel=channel).count() == placed_before
    assert original_task in _import_messages(broker)  # still held for the dead worker

    # A new worker with beat starts; the sweep finds the stopped heartbeat and the import resumes.
    second, second_log = workers.start("second", beat=True)
    _wait_for(lambda: "ready." in second_log.read_text(), timeout=60, what="the second worker")
    ready_at = time.monotonic()

    def resumed():
        order_import.refresh_from_db()
        return order_import.attempts == 2

    _wait_for(resumed, timeout=60, what=f"the import to resume ({second_log.read_text()[-2000:]})")
    resumed_at = time.monotonic()
    assert f"order import {order_import.pk} lost its worker; queued again" in second_log.read_text()
    # Promised: within the stale period plus one sweep interval after the worker died (once a
    # worker is there to run it; allow two seconds for beat's first tick and the queue).
    assert resumed_at - max(killed_at, ready_at) <= STALE_SECONDS + SWEEP_SECONDS + 2

    def finished():
        order_import.refresh_from_db()
        return order_import.is_finished

    _wait_for(finished, timeout=120, what=f"the import to finish ({second_log.read_text()[-2000:]})")
    assert order_import.status == OrderImportStatus.DONE, order_import.errors
    assert (order_import.total, order_import.processed) == (ORDERS, ORDERS)
    assert (order_import.created, order_import.existing) == (ORDERS, 0)
    assert order_import.attempts == 2

    # The dead worker's message comes back after the visibility timeout; the new worker takes it,
    # finds the import taken or done, and acknowledges it.
    # (Up to a minute later if the dead worker held Redis's restore lock: unacked_mutex_expire.)
    _wait_for(
        lambda: original_task not in _import_messages(broker),
        timeout=VISIBILITY_TIMEOUT + 70,
        what=f"the dead worker's message to be delivered again ({second_log.read_text()[-3000:]})",
    )
    _wait_for(
        lambda: f"{IMPORT_TASK}[{original_task}] succeeded" in second_log.read_text(),
        timeout=20,
        what="the redelivered task to finish",
    )
    assert second.poll() is None, second_log.read_text()[-2000:]

    # Exactly once: every order of the file, none twice, each with its one line.
    external_ids = list(Order.objects.filter(channel=channel).values_list("external_id", flat=True))
    assert len(external_ids) == ORDERS
    assert set(external_ids) == {f"K-{n:04d}" for n in range(ORDERS)}
    assert OrderLine.objects.filter(order__channel=channel).count() == ORDERS
    order_import.refresh_from_db()
    assert (order_import.created, order_import.attempts) == (ORDERS, 2)
