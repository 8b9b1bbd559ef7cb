"""Shared pieces of the benchmarks: database URLs, timing, medians, machine facts."""

from __future__ import annotations

import contextlib
import os
import platform
import socket
import statistics
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB_NAME = os.environ.get("BENCH_DB_NAME", "oms_benchdata")
# Production-like settings for every process the benchmark starts (gunicorn, manage.py).
TEST_SECRET_KEY = "bench-only-" + "Qm7vX2kP9sL4wR8tZ1yB6nC3hJ5dF0gA" + "uE7iO2pK9lM4"


def with_db_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def db_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def libpq_url(url: str) -> str:
    """psycopg accepts postgres:// and postgresql://; dj-style aliases like postgis:// it does not."""
    scheme, rest = url.split("://", 1)
    return "postgresql://" + rest if scheme in {"postgres", "postgresql", "pgsql"} else url


def bench_env(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """Environment of a production-like process against the benchmark database."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DJANGO_DEBUG="false",
        SECRET_KEY=TEST_SECRET_KEY,
        SECURE_SSL_REDIRECT="false",
        SECURE_COOKIES="false",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        CONN_MAX_AGE="600",
        OMS_DEMO_MODE="false",
        LOG_LEVEL="WARNING",
        # Side effects are recorded in the outbox and sent by workers; the benchmark runs none,
        # so a delivery attempt must not block a request on a missing worker.
        CELERY_TASK_ALWAYS_EAGER="false",
        AXES_ENABLED="false",
    )
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def percentile(values: Sequence[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


@dataclass
class LoadResult:
    """What a fixed-duration load run did."""

    ok: int = 0
    errors: int = 0
    seconds: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)
    first_error: str = ""

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


def run_for(
    make_worker: Callable[[int], Callable[[], Any]], *, threads: int, seconds: float, warmup: float = 0.3
) -> LoadResult:
    """Run ``threads`` workers for ``seconds``; each worker calls its operation in a loop.

    ``make_worker(i)`` is called in the worker thread and returns the operation (so per-thread
    connections are opened there). An operation returns a status label; "ok" counts as success,
    anything else or an exception as an error.
    """
    result = LoadResult()
    lock = threading.Lock()
    start_barrier = threading.Barrier(threads + 1)
    state = {"measuring": False, "stop": False}

    def body(i: int) -> None:
        op = make_worker(i)
        start_barrier.wait()
        ok = errors = 0
        statuses: dict[str, int] = {}
        first_error = ""
        while not state["stop"]:
            measuring = state["measuring"]
            try:
                status = op()
            except Exception as exc:  # a failed operation is a data point, not a crash
                status = f"exception:{type(exc).__name__}"
                first_error = first_error or f"{type(exc).__name__}: {exc}"[:300]
            if not measuring or state["stop"]:
                continue
            statuses[status] = statuses.get(status, 0) + 1
            if status == "ok":
                ok += 1
            else:
                errors += 1
        closer = getattr(op, "close", None)
        if closer is not None:
            with contextlib.suppress(Exception):
                closer()
        with lock:
            result.ok += ok
            result.errors += errors
            for k, v in statuses.items():
                result.statuses[k] = result.statuses.get(k, 0) + v
            result.first_error = result.first_error or first_error

    workers = [threading.Thread(target=body, args=(i,), daemon=True) for i in range(threads)]
    for w in workers:
        w.start()
    start_barrier.wait()
    time.sleep(warmup)
    state["measuring"] = True
    t0 = time.perf_counter()
    time.sleep(seconds)
    state["stop"] = True
    result.seconds = time.perf_counter() - t0
    for w in workers:
        w.join(timeout=30)
    return result


def process_cpu_seconds(pids: Sequence[int]) -> float:
    """User + system CPU seconds the processes ``pids`` have used so far (Linux /proc; 0 elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return total


def child_pids(pid: int) -> list[int]:
    """The direct children of ``pid`` (gunicorn's workers), from /proc; empty elsewhere."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except (OSError, ValueError):
        return []


class MachineBusy:
    """Share of the machine's CPU time that was busy between ``start()`` and ``stop()`` (/proc/stat):
    every process counts, ours and whatever else runs on the machine. None where /proc is missing."""

    def __init__(self) -> None:
        self._start: tuple[int, int] | None = None

    @staticmethod
    def _sample() -> tuple[int, int] | None:
        try:
            with open("/proc/stat") as f:
                values = [int(v) for v in f.readline().split()[1:]]
        except (OSError, ValueError):
            return None
        return sum(values), values[3] + values[4]  # total, idle + iowait

    def start(self) -> MachineBusy:
        self._start = self._sample()
        return self

    def stop(self) -> float | None:
        end = self._sample()
        if self._start is None or end is None or end[0] <= self._start[0]:
            return None
        return 1 - (end[1] - self._start[1]) / (end[0] - self._start[0])


def machine_info(pg_version: str = "") -> dict[str, Any]:
    cpu_model = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu_model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        cpu_model = platform.processor()
    mem_gib = 0.0
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
                    break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_gib": mem_gib,
        "postgresql": pg_version,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
    }


def staff_client() -> Any:
    """A Django test client signed in as the benchmark's admin (every role), second factor given."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user, _ = get_user_model().objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True, "email": "bench@example.com"}
    )
    client = Client()
    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=True, defaults={"name": "bench"})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def reference_path() -> str | None:
    """The one-query reference page of ``bench.ref_urls`` (None where that URLconf is not in use)."""
    from django.apps import apps
    from django.urls import NoReverseMatch, reverse

    model: Any
    try:
        model = apps.get_model("orders", "Order")
    except LookupError:
        model = apps.get_model("inventory", "Product")
    pk = model.objects.order_by("pk").values_list("pk", flat=True).first()
    try:
        return reverse("bench-reference", args=[pk or 1])
    except NoReverseMatch:
        return None
