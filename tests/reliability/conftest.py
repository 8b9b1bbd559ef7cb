"""Fixtures for fault-injection tests: a Redis server of the test's own, Celery pointed at it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator

import kombu.pools
import pytest
from celery._state import _set_task_join_will_block

from tests.oms.webhook_receiver import receiver  # noqa: F401  (a fixture: the local webhook receiver)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class RedisProcess:
    """A throwaway redis-server (no persistence) the test can stop and start again on the same port."""

    def __init__(self) -> None:
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.queue = "celery"  # the Celery queue tests publish to (set by ``celery_broker``)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as s:
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None

    def is_running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


@pytest.fixture
def redis_process() -> Iterator[RedisProcess]:
    if not shutil.which("redis-server"):
        reason = "needs redis-server on PATH (apt-get install redis-server)"
        if os.environ.get("CI"):
            pytest.fail(f"CI must not skip this test: it {reason}", pytrace=False)
        pytest.skip(reason)
    server = RedisProcess()
    server.start()
    yield server
    server.stop()


def forget_celery_routing(app) -> None:
    """Drop what Celery caches from its configuration on first use: the queue table, the default
    queue, the router, the broker pools. A test that changed ``task_default_queue`` or the broker
    URL (and one that ran before it) would otherwise leave the app publishing to one queue while
    a new worker consumes another, or talking to a broker that no longer exists."""
    amqp = app.amqp
    for name in ("queues", "default_queue", "router"):
        amqp.__dict__.pop(name, None)
    amqp._rtable = None
    # app.pool and amqp.producer_pool are entries of kombu's process-wide pool registries, keyed
    # by broker URL: closing one without unregistering it would leave a closed pool that the next
    # publish to that URL (eager mode included) acquires from. reset() closes and unregisters.
    kombu.pools.reset()
    app._pool = None
    amqp._producer_pool = None


@pytest.fixture
def celery_broker(redis_process, settings) -> Iterator[RedisProcess]:
    """Celery publishes to the test's own Redis, on a queue of the test's own, with eager mode
    off; the cache lives there too, so stopping that Redis takes away everything Redis serves.

    Workers started in the test must consume ``celery_broker.queue`` (``start_worker(...,
    queues=[celery_broker.queue])``). Publishing uses the product's settings (it gives up fast
    while Redis is away; the outbox keeps the message).
    """
    from oms.celery import app

    keys = ("broker_url", "task_always_eager", "task_default_queue")
    saved = {k: app.conf[k] for k in keys}
    redis_process.queue = f"reliability-{uuid.uuid4().hex[:8]}"  # nothing else consumes it
    app.conf.update(broker_url=redis_process.url, task_always_eager=False, task_default_queue=redis_process.queue)
    forget_celery_routing(app)
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_process.url}
    }
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    yield redis_process
    app.conf.update(saved)
    forget_celery_routing(app)
    # A worker started in this process (``start_worker``) marks the whole process as running
    # inside a worker, and nothing unmarks it: a later test's eager ``.delay().get()`` would be
    # refused as a task waiting on a task.
    _set_task_join_will_block(False)
