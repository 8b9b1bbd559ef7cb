"""The mixed-load soak (``make bench`` part ``soak``): for ``BENCH_SOAK_SECONDS`` (600) at once

- **API intake** through gunicorn (``bench.server``), ``SOAK_INTAKE_CLIENTS`` keep-alive clients;
- **picking, packing and shipping** through the services, in a thread of this process: waves of
  ``SOAK_WAVE_ORDERS`` orders in the benchmark warehouse, every unit scanned, every shipment packed
  (its label booked and rendered by the workers), then shipped (which issues its invoice, whose PDF
  and mail the workers render and send);
- **portal lookups** through gunicorn: the lookup form (number + e-mail) and the order page its
  redirect opens;
- **report views** through gunicorn: ``/reports/dashboard/``, signed in as a manager would be;

with two Celery workers on a queue of their own taking every outbox message of the run. Reported
per kind: operations per second, p50/p95 ms and errors (must be 0); and the resident memory (RSS)
of the gunicorn processes and of the Celery worker processes at the start (after one warm-up
request of each kind), every ``SOAK_SAMPLE_SECONDS`` and at the end.

All lookups come from one address, so the soak's gunicorn lifts the portal's lookup limits (the
limits themselves are the security tests' business).
"""

from __future__ import annotations

import http.client
import os
import random
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

from bench.common import child_pids, median, percentile
from bench.workers import WORKERS, celery_workers, route_outbox_kinds, rss_mib, worker_pids

SOAK_SECONDS = float(os.environ.get("BENCH_SOAK_SECONDS", "600"))
SOAK_INTAKE_CLIENTS = 2
SOAK_WAVE_ORDERS = 5
SOAK_SAMPLE_SECONDS = 10.0
KINDS = ("API intake", "pick scan", "pack", "ship", "portal lookup", "report view")
_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Recorder:
    """Latencies and errors per kind of operation, from every thread of the soak."""

    times: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    first_errors: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    measuring: bool = False

    def record(self, kind: str, ms: float, error: str = "") -> None:
        """An operation's time while measuring; an error at any time (the warm-up's too)."""
        with self.lock:
            if error:
                self.errors[kind] = self.errors.get(kind, 0) + 1
                self.first_errors.setdefault(kind, error[:300])
            elif self.measuring:
                self.times.setdefault(kind, []).append(ms)


class Once:
    """A stop signal for a loop that is to run its operation once (the warm-up)."""

    def __init__(self) -> None:
        self.asked = 0

    def is_set(self) -> bool:
        self.asked += 1
        return self.asked > 1


class Browser:
    """One keep-alive HTTP/1.1 connection with a cookie jar (the session and CSRF cookies)."""

    def __init__(self, port: int, cookies: dict[str, str] | None = None):
        self.port = port
        self.cookies = dict(cookies or {})
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str, str]:
        """(status, Location header, body) of one request."""
        headers = {"Connection": "keep-alive"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                raw = resp.read()
                break
            except (http.client.HTTPException, ConnectionError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        for header in resp.msg.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return resp.status, resp.getheader("Location", ""), raw.decode(errors="replace")

    def close(self) -> None:
        self.conn.close()


def _done(service: Any, **kwargs: Any) -> str:
    """Call a service for its effect: an operation that returns no error."""
    service(**kwargs)
    return ""


def _timed(recorder: Recorder, kind: str, op: Any) -> None:
    t0 = time.perf_counter()
    try:
        error = op()
    except Exception as exc:  # a failed operation is a data point, not a crash
        error = f"{type(exc).__name__}: {exc}"
    recorder.record(kind, (time.perf_counter() - t0) * 1000, error or "")


# --- the kinds of load ----------------------------------------------------------------------------


def _intake_loop(port: int, api_key: str, skus: list[str], recorder: Recorder, stop: Any, n: int) -> None:
    from bench import intake as intake_mod
    from bench.server import KeepAliveClient

    client = KeepAliveClient(port, {"Authorization": f"Api-Key {api_key}"})
    rnd = random.Random(n)
    tag = f"soak{uuid.uuid4().hex[:6]}"

    def op() -> str:
        body = intake_mod.order_body(rnd.sample(skus, 3), run_tag=tag, rnd=rnd)
        status, raw = client.post_json(intake_mod.ORDERS_PATH, body, {"Idempotency-Key": uuid.uuid4().hex})
        return "" if status == 201 else f"HTTP {status}: {raw[:120].decode(errors='replace')}"

    try:
        while not stop.is_set():
            _timed(recorder, "API intake", op)
    finally:
        client.close()


def _portal_loop(port: int, samples: list[tuple[str, str]], recorder: Recorder, stop: Any) -> None:
    browser = Browser(port)
    rnd = random.Random(3)
    try:
        status, _location, html = browser.request("GET", "/track/")
        match = _CSRF.search(html)
        if status != 200 or match is None:
            recorder.record("portal lookup", 0.0, f"lookup form: HTTP {status}, no CSRF token")
            return
        token = match.group(1)

        def op() -> str:
            number, email = rnd.choice(samples)
            status, location, _body = browser.request(
                "POST", "/track/", {"csrfmiddlewaretoken": token, "number": number, "secret": email}
            )
            if status != 302 or not location.startswith("/track/"):
                return f"lookup: HTTP {status}"
            status, _location, _body = browser.request("GET", location)
            return "" if status == 200 else f"order page: HTTP {status}"

        while not stop.is_set():
            _timed(recorder, "portal lookup", op)
    finally:
        browser.close()


def _reports_loop(port: int, cookies: dict[str, str], recorder: Recorder, stop: Any) -> None:
    browser = Browser(port, cookies)

    def op() -> str:
        status, _location, _body = browser.request("GET", "/reports/dashboard/")
        return "" if status == 200 else f"HTTP {status}"

    try:
        while not stop.is_set():
            _timed(recorder, "report view", op)
    finally:
        browser.close()


def _fulfillment_loop(recorder: Recorder, stop: threading.Event) -> None:
    from django.db import connection

    from bench.fulfillment import _place_orders, _setup_warehouse
    from bench.parts import bench_channel
    from fulfillment.models import LabelState, PackageType, Shipment, ShipmentState
    from fulfillment.services.packing import PackageSpec, pack_shipment
    from fulfillment.services.picking import scan_pick
    from fulfillment.services.planning import WaveRule, build_wave
    from fulfillment.services.shipping import ship_shipment

    rng = random.Random(600)
    try:
        warehouse, products = _setup_warehouse(rng)
        channel = bench_channel()
        box, _new = PackageType.objects.get_or_create(
            code="bench-box", defaults={"name": "Bench box", "length_mm": 300, "width_mm": 200, "height_mm": 100}
        )
        while not stop.is_set():
            _place_orders(channel, products, SOAK_WAVE_ORDERS, rng)
            wave = build_wave(warehouse=warehouse, rule=WaveRule(max_orders=SOAK_WAVE_ORDERS))
            for line in list(wave.lines.select_related("product").order_by("sequence", "sku", "pk")):
                for _unit in range(line.quantity):
                    sku = line.product.sku
                    _timed(recorder, "pick scan", lambda w=wave, c=sku: _done(scan_pick, pick_list=w, code=c))
            shipments = list(Shipment.objects.filter(pick_list=wave).order_by("pk"))
            for shipment in shipments:
                scans = [
                    line.product.sku
                    for line in shipment.lines.select_related("product").order_by("pk")
                    for _unit in range(line.quantity_picked)
                ]
                packages = [PackageSpec(box, 400)]
                _timed(
                    recorder,
                    "pack",
                    lambda s=shipment, sc=scans, p=packages: _done(pack_shipment, shipment=s, scans=sc, packages=p),
                )
            ids = [s.pk for s in shipments]
            deadline = time.monotonic() + 120
            ready: list[Shipment] = []
            while time.monotonic() < deadline:
                ready = list(
                    Shipment.objects.filter(pk__in=ids, state=ShipmentState.LABELLED, label_state=LabelState.READY)
                )
                if len(ready) == len(ids):
                    break
                time.sleep(0.2)
            if len(ready) < len(ids):
                recorder.record("ship", 0.0, f"{len(ids) - len(ready)} of {len(ids)} labels not ready within 120 s")
            for shipment in ready:
                _timed(recorder, "ship", lambda s=shipment: _done(ship_shipment, shipment=s))
    except Exception as exc:
        recorder.record("ship", 0.0, f"fulfillment loop stopped: {type(exc).__name__}: {exc}")
    finally:
        connection.close()


# --- setup ----------------------------------------------------------------------------------------


def _portal_samples(count: int = 200) -> list[tuple[str, str]]:
    from django.db.models import Max, Min

    from bench.parts import model

    Order = model("orders.Order")
    bounds = Order.objects.aggregate(lo=Min("pk"), hi=Max("pk"))
    if bounds["lo"] is None:
        return []
    rnd = random.Random(5)
    ids = [rnd.randint(bounds["lo"], bounds["hi"]) for _ in range(count * 2)]
    return list(Order.objects.filter(pk__in=ids).exclude(email="").values_list("number", "email")[:count])


def _staff_cookies() -> dict[str, str]:
    from django.conf import settings

    from bench.common import staff_client

    client = staff_client()
    return {settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value}


def _rss(server_pid: int, workers: list[Any]) -> dict[str, float]:
    return {
        "web_mib": rss_mib([server_pid, *child_pids(server_pid)]),
        "worker_mib": rss_mib(worker_pids(workers)),
    }


def soak(*, bench_url: str, redis_url: str, repeats: int, log: Any, results: dict) -> dict[str, Any]:
    from bench import intake as intake_mod
    from bench.parts import NotAvailable, api_key_for, bench_channel, model, restock, url_exists
    from bench.server import GunicornServer

    if not url_exists(intake_mod.ORDERS_PATH):
        raise NotAvailable(f"POST {intake_mod.ORDERS_PATH} does not exist")
    Product = model("inventory.Product")
    skus = list(
        Product.objects.filter(active=True)
        .exclude(sku__startswith="BENCH-")
        .order_by("pk")
        .values_list("sku", flat=True)[:3000]
    )
    if len(skus) < 10:
        raise NotAvailable("load data without products (run generate_load)")
    restock(skus, 500, below=300)
    api_key = api_key_for(bench_channel())
    cookies = _staff_cookies()
    seconds = float(os.environ.get("BENCH_SOAK_SECONDS", SOAK_SECONDS))
    queue = f"bench-soak-{uuid.uuid4().hex[:8]}"
    server = GunicornServer(bench_url, redis_url)
    server.env.update(
        CELERY_DEFAULT_QUEUE=queue,
        DOCUMENTS_QUEUE=queue,
        PORTAL_LOOKUPS_PER_ADDRESS="100000000",
        PORTAL_LOOKUPS_PER_ORDER_NUMBER="100000000",
        # No collectstatic in the benchmark: pages render with plain static storage (as in ``run.py``).
        STATIC_MANIFEST="false",
    )
    recorder = Recorder()
    stop = threading.Event()
    samples_rss: list[dict[str, float]] = []
    with route_outbox_kinds(queue), celery_workers(queue, bench_url, redis_url) as workers, server:
        # Warm-up: one of each over HTTP (gunicorn imports lazily), then the portal's sample orders.
        assert server.proc is not None
        _intake_loop(server.port, api_key, skus, recorder, Once(), 0)
        samples = _portal_samples()
        if not samples:
            raise NotAvailable("no orders with an e-mail address for the portal lookups")
        _portal_loop(server.port, samples, recorder, Once())
        _reports_loop(server.port, cookies, recorder, Once())
        threads = [
            *[
                threading.Thread(target=_intake_loop, args=(server.port, api_key, skus, recorder, stop, n + 1))
                for n in range(SOAK_INTAKE_CLIENTS)
            ],
            threading.Thread(target=_fulfillment_loop, args=(recorder, stop)),
            threading.Thread(target=_portal_loop, args=(server.port, samples, recorder, stop)),
            threading.Thread(target=_reports_loop, args=(server.port, cookies, recorder, stop)),
        ]
        for thread in threads:
            thread.daemon = True
            thread.start()
        time.sleep(min(2.0, seconds / 5))  # every loop past its first request
        start_rss = _rss(server.proc.pid, workers)
        recorder.measuring = True
        t0 = time.perf_counter()
        log(f"  soak {seconds:.0f} s: web {start_rss['web_mib']:.0f} MiB, workers {start_rss['worker_mib']:.0f} MiB")
        while (elapsed := time.perf_counter() - t0) < seconds:
            time.sleep(min(SOAK_SAMPLE_SECONDS, max(seconds - elapsed, 0.01)))
            samples_rss.append({"t_s": round(time.perf_counter() - t0, 1), **_rss(server.proc.pid, workers)})
        recorder.measuring = False
        elapsed = time.perf_counter() - t0
        end_rss = _rss(server.proc.pid, workers)
        stop.set()
        for thread in threads:
            thread.join(timeout=180)
    kinds: list[dict[str, Any]] = []
    for kind in KINDS:
        times = recorder.times.get(kind, [])
        kinds.append(
            {
                "kind": kind,
                "ops": len(times),
                "per_s": len(times) / elapsed if elapsed else None,
                "p50_ms": median(times) if times else None,
                "p95_ms": percentile(times, 95) if times else None,
                "errors": recorder.errors.get(kind, 0),
                "first_error": recorder.first_errors.get(kind, ""),
            }
        )
    errors = sum(k["errors"] for k in kinds)
    out = {
        "available": True,
        "seconds": elapsed,
        "kinds": kinds,
        "errors": errors,
        "shipments": len(recorder.times.get("ship", [])),
        "rss_start": start_rss,
        "rss_end": end_rss,
        "rss_samples": samples_rss,
        "rss_peak": {
            key: max([s[key] for s in samples_rss] + [start_rss[key], end_rss[key]])
            for key in ("web_mib", "worker_mib")
        },
        "setup": (
            f"{server.description}; {WORKERS} Celery workers (1 slot each) on a queue of their own; "
            f"{SOAK_INTAKE_CLIENTS} API clients, 1 fulfillment thread (waves of {SOAK_WAVE_ORDERS} orders), "
            "1 portal client, 1 report client, each one request after another"
        ),
    }
    for k in kinds:
        log(
            f"  {k['kind']}: {k['ops']} ops, {k['per_s'] or 0:.1f}/s, p95 {k['p95_ms'] or 0:.1f} ms, "
            f"{k['errors']} errors {k['first_error'][:120]}"
        )
    log(
        f"  RSS web {start_rss['web_mib']:.0f} -> {end_rss['web_mib']:.0f} MiB, "
        f"workers {start_rss['worker_mib']:.0f} -> {end_rss['worker_mib']:.0f} MiB"
    )
    return out
