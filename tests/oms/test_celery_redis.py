"""A real Celery worker over Redis delivers outbox messages (no eager mode)."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from oms import outbox
from oms.celery import app as celery_app
from oms.models import OutboxMessage, OutboxStatus

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.redis, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def celery_worker_process():
    """A worker in its own process, on the test database and the configured Redis."""
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{connection.settings_dict['NAME']}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "EMAIL_URL": "consolemail://",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),  # uploads and documents: the test's own folder
    }
    queue = f"test-{os.getpid()}"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "oms", "worker", "-Q", queue, "-c", "1", "-P", "solo", "-l", "warning"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    saved = {key: celery_app.conf[key] for key in ("task_always_eager", "task_default_queue")}
    celery_app.conf.update(task_always_eager=False, task_default_queue=queue)
    _forget_queues()
    yield worker
    celery_app.conf.update(saved)
    _forget_queues()
    worker.terminate()
    try:
        worker.wait(timeout=10)
    except subprocess.TimeoutExpired:
        worker.kill()


def _forget_queues():
    """Celery caches its queue table and default queue from the configuration on first publish;
    without this, every later publisher (and worker) in the run keeps this test's queue."""
    for name in ("queues", "default_queue", "router"):
        celery_app.amqp.__dict__.pop(name, None)


def test_a_worker_over_redis_delivers_an_outbox_mail_exactly_once(celery_worker_process):
    message = outbox.enqueue("mail", {"to": ["kundin@example.de"], "subject": "Versand", "body": "Unterwegs"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        message.refresh_from_db()
        if message.status != OutboxStatus.PENDING:
            break
        time.sleep(0.2)
    assert message.status == OutboxStatus.DELIVERED, celery_worker_process.stdout and message.last_error
    assert message.attempts == 1
    assert OutboxMessage.objects.count() == 1
