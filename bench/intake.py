"""Order intake through the real HTTP API, against the raw SQL reference, and the oversell check.

Each API order has 3 lines of 1 unit, payment on invoice (terms: confirmed at once), so intake
validates, confirms, routes and allocates it in the request, as a channel's order would be.
Every request carries an ``Idempotency-Key`` (what a well-behaved channel sends).
"""

from __future__ import annotations

import itertools
import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.common import LoadResult, MachineBusy, child_pids, median, process_cpu_seconds, run_for
from bench.server import KeepAliveClient

ORDERS_PATH = "/api/v1/orders/"
_seq = itertools.count(1)
_seq_lock = threading.Lock()


def _next() -> int:
    with _seq_lock:
        return next(_seq)


def order_body(skus: list[str], *, run_tag: str, rnd: random.Random) -> dict[str, Any]:
    n = _next()
    first = rnd.choice(["Anna", "Lukas", "Marie", "Jonas", "Sophie", "Felix"])
    last, last_ascii = rnd.choice(
        [("Müller", "mueller"), ("Schmidt", "schmidt"), ("Weber", "weber"), ("Weiß", "weiss")]
    )
    address = {
        "name": f"{first} {last}",
        "street": f"Hauptstraße {rnd.randrange(1, 200)}",
        "postcode": "10115",
        "city": "Berlin",
        "country": "DE",
    }
    return {
        "external_id": f"bench-{run_tag}-{n}",
        "customer": {"email": f"{first.lower()}.{last_ascii}.{n}@bench.example", "name": f"{first} {last}"},
        "billing_address": address,
        "lines": [{"sku": sku, "quantity": 1, "unit_price": "19.99"} for sku in skus],
        "shipping_total": "4.90",
        "payment": {"method": "invoice"},
    }


@dataclass
class IntakeSetup:
    port: int
    api_key: str
    skus: list[str]  # low contention: random SKUs with stock
    hot_skus: list[str]  # high contention: 3 SKUs
    restock: Callable[[list[str], int], None]  # (skus, units) keeps the hot SKUs from running out
    run_tag: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    server_pid: int | None = None  # gunicorn's master: its workers' CPU time is measured per run


@dataclass
class MeasuredRun:
    """A load run of the API, with the CPU it took: the web workers' CPU milliseconds per order
    (the whole run, warm-up included, over the orders of the whole run) and how busy the machine was."""

    result: LoadResult
    web_cpu_ms: float | None
    machine_busy: float | None


def run_api_measured(setup: IntakeSetup, *, connections: int, seconds: float, hot: bool) -> MeasuredRun:
    workers = child_pids(setup.server_pid) if setup.server_pid else []
    busy = MachineBusy().start()
    cpu0, t0 = process_cpu_seconds(workers), time.perf_counter()
    result = run_api(setup, connections=connections, seconds=seconds, hot=hot)
    cpu1, t1 = process_cpu_seconds(workers), time.perf_counter()
    machine_busy = busy.stop()
    orders = result.rate * (t1 - t0)  # the rate of the measured part, over the whole run
    web_cpu_ms = (cpu1 - cpu0) * 1000 / orders if workers and orders and cpu1 > cpu0 else None
    return MeasuredRun(result, web_cpu_ms, machine_busy)


def run_api(setup: IntakeSetup, *, connections: int, seconds: float, hot: bool) -> LoadResult:
    def make_worker(i: int):
        client = KeepAliveClient(setup.port, {"Authorization": f"Api-Key {setup.api_key}"})
        rnd = random.Random(i * 7919 + int(time.time()))

        def op() -> str:
            skus = setup.hot_skus if hot else rnd.sample(setup.skus, 3)
            body = order_body(skus, run_tag=setup.run_tag, rnd=rnd)
            status, raw = client.post_json(ORDERS_PATH, body, {"Idempotency-Key": uuid.uuid4().hex})
            if status == 201:
                return "ok"
            return f"{status}:{raw[:120].decode(errors='replace')}"

        op.close = client.close
        return op

    return run_for(make_worker, threads=connections, seconds=seconds)


def http_floor(port: int, *, connections: int, seconds: float) -> LoadResult:
    """Requests/s of ``/healthz`` (one query, no session) through the same server and client:
    what HTTP, the client and the middleware cost before any order is placed."""

    def make_worker(i: int):
        client = KeepAliveClient(port, {})

        def op() -> str:
            return "ok" if client.get("/healthz") == 200 else "error"

        op.close = client.close
        return op

    return run_for(make_worker, threads=connections, seconds=seconds)


def compare(
    setup: IntakeSetup,
    raw_ref: Any,
    *,
    levels: tuple[int, ...] = (1, 4, 16),
    repeats: int = 3,
    seconds: float = 3.0,
    log: Callable[[str], None] = print,
) -> list[dict[str, Any]]:
    """API vs raw SQL at each concurrency, low and high contention; medians of ``repeats`` runs.

    The two are interleaved (API, raw, API, raw, ...) so a noisy neighbour hits both alike.
    """
    rows = []
    hot_raw_ids = raw_ref.stock_ids[:3]
    for contention in ("low", "high"):
        hot = contention == "high"
        for conns in levels:
            api_rates, raw_rates, errors, statuses = [], [], 0, {}
            web_cpu, busy = [], []
            first_error = ""
            for _ in range(repeats):
                if hot:
                    setup.restock(setup.hot_skus, 200_000)
                measured = run_api_measured(setup, connections=conns, seconds=seconds, hot=hot)
                api = measured.result
                web_cpu += [measured.web_cpu_ms] if measured.web_cpu_ms is not None else []
                busy += [measured.machine_busy] if measured.machine_busy is not None else []
                raw = raw_ref.run(connections=conns, seconds=seconds, hot_ids=hot_raw_ids if hot else None)
                api_rates.append(api.rate)
                raw_rates.append(raw.rate)
                errors += api.errors
                first_error = first_error or api.first_error
                for k, v in api.statuses.items():
                    if k != "ok":
                        statuses[k] = statuses.get(k, 0) + v
            row = {
                "contention": contention,
                "connections": conns,
                "api_per_s": median(api_rates),
                "raw_per_s": median(raw_rates),
                "api_runs": api_rates,
                "raw_runs": raw_rates,
                "api_errors": errors,
                "web_cpu_ms": median(web_cpu) if web_cpu else None,
                "machine_busy": median(busy) if busy else None,
            }
            row["ratio"] = row["api_per_s"] / row["raw_per_s"] if row["raw_per_s"] else None
            if not hot:
                row["healthz_per_s"] = http_floor(setup.port, connections=conns, seconds=min(seconds, 2.0)).rate
            if statuses:
                row["api_error_samples"] = dict(sorted(statuses.items(), key=lambda kv: -kv[1])[:3])
            if first_error:
                row["api_first_exception"] = first_error
            rows.append(row)
            log(
                f"  intake {contention:>4} x{conns:<2}: API {row['api_per_s']:7.1f}/s  raw {row['raw_per_s']:7.1f}/s"
                f"  ratio {row['ratio'] or 0:.2f}  errors {errors}"
            )
    return rows


def oversell(port: int, api_key: str, sku: str, *, clients: int = 32, orders_per_client: int = 2) -> dict[str, Any]:
    """``clients`` threads, each placing ``orders_per_client`` one-unit orders of ``sku`` at once."""
    barrier = threading.Barrier(clients)
    statuses: list[int] = []
    bodies: list[bytes] = []
    lock = threading.Lock()
    tag = uuid.uuid4().hex[:8]

    def worker(i: int) -> None:
        client = KeepAliveClient(port, {"Authorization": f"Api-Key {api_key}"})
        rnd = random.Random(i)
        barrier.wait()
        for _ in range(orders_per_client):
            body = order_body([sku], run_tag=f"oversell-{tag}", rnd=rnd)
            status, raw = client.post_json(ORDERS_PATH, body, {"Idempotency-Key": uuid.uuid4().hex})
            with lock:
                statuses.append(status)
                bodies.append(raw)
        client.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return {"statuses": statuses, "bodies": bodies}
