"""The benchmark parts, run inside the Django process on the benchmark database.

Each part raises ``NotAvailable`` with a reason when a piece it needs is not built yet.
"""

from __future__ import annotations

import csv
import io
import json
import random
import time
import uuid
from collections.abc import Callable
from typing import Any

from bench.common import median

Log = Callable[[str], None]


class NotAvailable(Exception):
    pass


# --- discovery ----------------------------------------------------------------------------------


def model(label: str) -> Any:
    from django.apps import apps

    try:
        return apps.get_model(label)
    except LookupError:
        raise NotAvailable(f"model {label} does not exist") from None


def optional_model(label: str) -> Any | None:
    try:
        return model(label)
    except NotAvailable:
        return None


def fk_column(source: Any, target: Any) -> str:
    """The column of ``source`` that points at ``target``."""
    for f in source._meta.concrete_fields:
        if f.is_relation and f.related_model is target:
            return f.column
    raise NotAvailable(f"{source.__name__} has no foreign key to {target.__name__}")


def url_exists(path: str) -> bool:
    from django.urls import Resolver404, resolve

    try:
        resolve(path)
        return True
    except Resolver404:
        return False


def load_marker() -> dict[str, Any]:
    from django.db import connection

    from loadgen.generator import read_marker

    with connection.cursor():
        return read_marker() or {}


def load_summary(load_seconds: float) -> dict[str, Any]:
    marker = load_marker()
    return {
        "counts": marker.get("counts", {}),
        "generated_at": marker.get("generated_at"),
        "missing": marker.get("missing", []),
        "generation_s": marker.get("seconds"),
        "note": (
            f"generated in {load_seconds:.0f} s in this run"
            if load_seconds >= 30
            else f"cached: the data set of {marker.get('generated_at', '?')[:16]}"
            + (f", generated in {marker['seconds']} s" if marker.get("seconds") else "")
            + f"; generate_load checked it in {load_seconds:.0f} s"
        ),
        "info": marker.get("info", {}),
    }


def bench_channel() -> Any:
    Channel = model("orders.Channel")
    marker = load_marker()
    code = marker.get("info", {}).get("api_channel")
    channel = Channel.objects.filter(code=code).first() if code else None
    return channel or Channel.objects.order_by("pk").first() or _create_channel(Channel)


def _create_channel(Channel: Any) -> Any:
    channel = Channel(code="bench-api", name="Benchmark API")
    channel.save()
    return channel


def api_key_for(channel: Any) -> str:
    from oms.api_keys import create_api_key

    _, raw = create_api_key(channel_code=channel.code, name=f"bench {uuid.uuid4().hex[:6]}")
    return raw


def restock(skus: list[str], units: int, *, warehouse_code: str | None = None, below: int | None = None) -> int:
    """Receive ``units`` more of each SKU in its first warehouse, with the ledger row; returns levels touched.

    With ``below``, only levels whose available stock is under it. One statement per call.
    """
    from django.db import connection, transaction

    Product = model("inventory.Product")
    StockLevel = model("inventory.StockLevel")
    Movement = model("inventory.StockMovement")
    Warehouse = model("inventory.Warehouse")
    warehouse = (
        Warehouse.objects.get(code=warehouse_code)
        if warehouse_code
        else Warehouse.objects.order_by("priority", "pk").first()
    )
    sl, mv, pr = StockLevel._meta.db_table, Movement._meta.db_table, Product._meta.db_table
    condition = "AND s.on_hand - s.reserved < %s" if below is not None else ""
    params: list[Any] = [warehouse.pk, skus] + ([below] if below is not None else []) + [units, units]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH low AS (
                SELECT s.id FROM "{sl}" s JOIN "{pr}" p ON p.id = s.product_id
                WHERE s.warehouse_id = %s AND p.sku = ANY(%s) {condition}
                ORDER BY s.id FOR UPDATE OF s
            ), upd AS (
                UPDATE "{sl}" s SET on_hand = s.on_hand + %s, updated_at = now()
                FROM low WHERE s.id = low.id RETURNING s.product_id, s.warehouse_id, s.on_hand
            )
            INSERT INTO "{mv}" (product_id, warehouse_id, kind, quantity, on_hand_after, reason, reference, created_at)
            SELECT product_id, warehouse_id, 'receipt', %s, on_hand, 'Benchmark restock', 'BENCH-RESTOCK', now()
            FROM upd
            """,
            params,
        )
        return cursor.rowcount


# --- intake -------------------------------------------------------------------------------------


def intake(*, bench_url: str, redis_url: str, repeats: int, log: Log, results: dict) -> dict[str, Any]:
    import os

    from bench import intake as intake_mod
    from bench.raw_sql import RawReference, Tables
    from bench.server import GunicornServer

    Order = model("orders.Order")
    OrderLine = model("orders.OrderLine")
    Product = model("inventory.Product")
    StockLevel = model("inventory.StockLevel")
    if not url_exists(intake_mod.ORDERS_PATH):
        raise NotAvailable(f"POST {intake_mod.ORDERS_PATH} does not exist")
    channel = bench_channel()
    api_key = api_key_for(channel)
    skus = list(
        Product.objects.filter(active=True)
        .exclude(sku__startswith="BENCH-")
        .order_by("pk")
        .values_list("sku", flat=True)[:3000]
    )
    hot = ["BENCH-HOT-1", "BENCH-HOT-2", "BENCH-HOT-3"]
    if len(skus) < 100 or Product.objects.filter(sku__in=hot).count() < 3:
        raise NotAvailable("load data without products (run generate_load)")
    restock(skus, 500, below=300)
    levels = tuple(int(x) for x in os.environ.get("BENCH_LEVELS", "1,4,16").split(","))
    seconds = float(os.environ.get("BENCH_SECONDS", "3"))

    queries = queries_per_intake(api_key, skus[:3])
    log(
        f"  one API order in-process: {queries['count']} SQL queries, {queries['in_process_ms']:.1f} ms "
        f"({queries['sql_ms']:.1f} ms in SQL), HTTP {queries['status']}"
    )

    raw_ref = RawReference.prepare(
        bench_url.replace("postgres://", "postgresql://", 1),
        Tables(
            order=Order._meta.db_table,
            line=OrderLine._meta.db_table,
            stock=StockLevel._meta.db_table,
            line_fk=fk_column(OrderLine, Order),
            line_product=fk_column(OrderLine, Product),
        ),
    )
    log(f"  raw SQL reference: {raw_ref.note}")
    try:
        with GunicornServer(bench_url, redis_url) as server:
            setup = intake_mod.IntakeSetup(
                port=server.port,
                api_key=api_key,
                skus=skus,
                hot_skus=hot,
                restock=lambda s, n: restock(s, n, below=n),
                server_pid=server.proc.pid if server.proc else None,
            )
            rows = intake_mod.compare(setup, raw_ref, levels=levels, repeats=repeats, seconds=seconds, log=log)
            description = server.description
    finally:
        raw_ref.drop()
    return {
        "available": True,
        "setup": (
            f"{description}; client: stdlib http.client, one keep-alive connection per thread; "
            f"{seconds:g} s per run, API and raw runs interleaved; every order sends an Idempotency-Key. "
            f"One API order in-process (no HTTP, median of 20): {queries['count']} SQL queries "
            f"({', '.join(f'{k} {v}' for k, v in sorted(queries['by_statement'].items()))}), "
            f"{queries['in_process_ms']:.1f} ms of which {queries['sql_ms']:.1f} ms waiting for SQL."
        ),
        "rows": rows,
        "raw_note": raw_ref.note,
        "queries_per_order": queries,
    }


def queries_per_intake(api_key: str, skus: list[str], *, orders: int = 20) -> dict[str, Any]:
    """Orders through the whole stack in-process (no HTTP), counting SQL and where the time goes."""
    import time as time_mod

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.intake import ORDERS_PATH, order_body

    client = Client(HTTP_AUTHORIZATION=f"Api-Key {api_key}")
    rnd = random.Random(1)
    statements: dict[str, int] = {}
    counts, walls, sql_times, statuses = [], [], [], []
    sample_sql: list[str] = []
    for i in range(orders):
        body = order_body(rnd.sample(skus, 3), run_tag="count-" + uuid.uuid4().hex[:6], rnd=rnd)
        with CaptureQueriesContext(connection) as ctx:
            t0 = time_mod.perf_counter()
            response = client.post(
                ORDERS_PATH, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex
            )
            walls.append((time_mod.perf_counter() - t0) * 1000)
        captured = list(ctx.captured_queries)
        statuses.append(response.status_code)
        counts.append(len(captured))
        sql_times.append(sum(float(q.get("time") or 0) for q in captured) * 1000)
        if i == orders - 1:
            sample_sql = [q["sql"][:160] for q in captured]
            for q in captured:
                verb = q["sql"].split(None, 1)[0].upper() if q["sql"] else "?"
                statements[verb] = statements.get(verb, 0) + 1
    cpu_runs = []
    for _ in range(3):
        cpu0 = time_mod.process_time()
        for _i in range(10):
            body = order_body(rnd.sample(skus, 3), run_tag="cpu-" + uuid.uuid4().hex[:6], rnd=rnd)
            client.post(
                ORDERS_PATH, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex
            )
        cpu_runs.append((time_mod.process_time() - cpu0) * 100)  # ms per order over 10 orders
    profile = _profile_intake(client, skus, orders=20)
    return {
        "profile": profile["top_functions"],
        "cpu_parts": profile["parts"],
        "cpu_ms": median(cpu_runs),
        "count": int(median(counts)),
        "status": max(set(statuses), key=statuses.count),
        "by_statement": statements,
        "in_process_ms": median(walls),
        "sql_ms": median(sql_times),
        "python_ms": median(walls) - median(sql_times),
        "sql": sample_sql,
    }


# Where an API order's CPU time goes: (label, file suffix, function) of the cumulative entries
# read from the profile. Each share is of the whole request (test client excluded).
_CPU_PARTS = (
    ("request total (middleware, DRF, view)", "django/core/handlers/base.py", "get_response"),
    ("API-key authentication", "oms/api_auth.py", "authenticate"),
    ("request body: JSON parse", "oms/api_parsers.py", "parse"),
    ("request body: input validation (msgspec)", "orders/api/order_input.py", "validated_order"),
    ("Idempotency-Key claim", "orders/api/idempotency.py", "claim_key"),
    ("intake service (validate, write, allocate)", "orders/services/intake.py", "place_order"),
    ("  of which: allocation decided (locked stock, routing)", "orders/services/allocation.py", "plan_allocation"),
    ("  of which: reservation carried out", "orders/services/allocation.py", "carry_out"),
    ("output serializer (response body)", "rest_framework/serializers.py", "data"),
    ("all SQL statements (ORM compile + driver + wait)", "django/db/backends/utils.py", "execute"),
)


def _profile_intake(client: Any, skus: list[str], *, orders: int) -> dict[str, Any]:
    """CPU time of ``orders`` API orders in-process (``time.process_time`` as the profiler clock,
    so waiting for PostgreSQL does not count): the top functions by own time, and the shares of
    the parts of a request (``_CPU_PARTS``)."""
    import cProfile
    import pstats

    from bench.intake import ORDERS_PATH, order_body

    rnd = random.Random(2)
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(orders):
        body = order_body(rnd.sample(skus, 3), run_tag="prof-" + uuid.uuid4().hex[:6], rnd=rnd)
        client.post(
            ORDERS_PATH, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex
        )
    profiler.disable()
    stats = pstats.Stats(profiler)
    rows = []
    cumulative: dict[tuple[str, str], float] = {}
    for (filename, line, name), (_cc, ncalls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        short = filename.split("site-packages/")[-1].replace("/work/main/", "")
        for _label, suffix, func in _CPU_PARTS:
            if short.endswith(suffix) and name == func:
                cumulative[(suffix, func)] = max(cumulative.get((suffix, func), 0.0), cumtime)
        rows.append(
            {
                "function": f"{short}:{line}({name})",
                "calls_per_order": ncalls / orders,
                "own_ms_per_order": tottime * 1000 / orders,
                "cumulative_ms_per_order": cumtime * 1000 / orders,
            }
        )
    rows.sort(key=lambda r: -r["own_ms_per_order"])
    total = cumulative.get((_CPU_PARTS[0][1], _CPU_PARTS[0][2]), 0.0)
    parts = [
        {"part": label, "share": cumulative.get((suffix, func), 0.0) / total if total else None}
        for label, suffix, func in _CPU_PARTS
    ]
    return {"top_functions": rows[:15], "parts": parts}


# --- oversell -----------------------------------------------------------------------------------


def oversell(*, bench_url: str, redis_url: str, repeats: int, log: Log, results: dict) -> dict[str, Any]:
    from django.db.models import Sum

    from bench import intake as intake_mod
    from bench.server import GunicornServer

    model("orders.Order")
    Product = model("inventory.Product")
    StockLevel = model("inventory.StockLevel")
    Movement = model("inventory.StockMovement")
    if not url_exists(intake_mod.ORDERS_PATH):
        raise NotAvailable(f"POST {intake_mod.ORDERS_PATH} does not exist")
    fresh = (
        Product.objects.filter(sku__startswith="BENCH-LAST-", movements__isnull=True).order_by("sku").first()
        if hasattr(Product, "movements")
        else None
    )
    if fresh is None:
        raise NotAvailable("no unused BENCH-LAST-* product left (run generate_load --force)")
    level = StockLevel.objects.filter(product=fresh).order_by("warehouse__priority").first()
    restock([fresh.sku], 50, warehouse_code=level.warehouse.code)
    api_key = api_key_for(bench_channel())
    with GunicornServer(bench_url, redis_url) as server:
        outcome = intake_mod.oversell(server.port, api_key, fresh.sku, clients=32, orders_per_client=2)
    states: dict[str, int] = {}
    for status, raw in zip(outcome["statuses"], outcome["bodies"], strict=True):
        try:
            state = json.loads(raw).get("state", "?") if status in (200, 201) else f"HTTP {status}"
        except ValueError:
            state = f"HTTP {status}"
        states[state] = states.get(state, 0) + 1
    level.refresh_from_db()
    ledger = Movement.objects.filter(product=fresh, warehouse=level.warehouse).aggregate(s=Sum("quantity"))["s"] or 0
    allocated_units = level.reserved
    Allocation = optional_model("orders.Allocation")
    alloc_sum = None
    if Allocation is not None:
        try:
            alloc_sum = (
                Allocation.objects.filter(**{_allocation_level_lookup(Allocation): level}).aggregate(s=Sum("quantity"))[
                    "s"
                ]
                or 0
            )
        except Exception:
            alloc_sum = None
    backordered = states.get("backordered", 0)
    allocated_orders = states.get("allocated", 0)
    other = sum(v for k, v in states.items() if k not in ("allocated", "backordered"))
    passed = (
        allocated_units == 50
        and allocated_orders == 50
        and backordered == len(outcome["statuses"]) - 50
        and ledger == level.on_hand == 50
        and (alloc_sum is None or alloc_sum == 50)
    )
    log(f"  {states}; reserved {level.reserved}, on hand {level.on_hand}, ledger {ledger}, allocations {alloc_sum}")
    return {
        "available": True,
        "sku": fresh.sku,
        "orders": len(outcome["statuses"]),
        "answers": states,
        "stock_units": 50,
        "allocated_units": allocated_units,
        "allocation_rows_units": alloc_sum,
        "backordered_orders": backordered,
        "other": other,
        "reserved": level.reserved,
        "on_hand": level.on_hand,
        "ledger_sum": ledger,
        "passed": passed,
    }


def _allocation_level_lookup(Allocation: Any) -> str:
    StockLevel = model("inventory.StockLevel")
    for f in Allocation._meta.concrete_fields:
        if f.is_relation and f.related_model is StockLevel:
            return f.name
    raise NotAvailable("Allocation has no stock level")


# --- pages --------------------------------------------------------------------------------------


def staff_client() -> Any:
    """A test client signed in as the benchmark's admin (who may open every page), with the
    second factor given (admins must give one), as staff work."""
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    User = get_user_model()
    user, _ = User.objects.get_or_create(
        username="bench-admin", defaults={"is_staff": True, "is_superuser": True, "email": "bench@example.com"}
    )
    client = Client()
    client.force_login(user)
    device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=True, defaults={"name": "bench"})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def reference_path() -> str:
    """The one-query reference page (``bench.ref_urls``) on the first order (or product)."""
    Order = optional_model("orders.Order")
    if Order is not None and Order.objects.exists():
        return f"/bench/reference/{Order.objects.order_by('pk').values_list('pk', flat=True).first()}/"
    Product = model("inventory.Product")
    return f"/bench/reference/{Product.objects.order_by('pk').values_list('pk', flat=True).first()}/"


def pages(*, bench_url: str, redis_url: str, repeats: int, log: Log, results: dict) -> dict[str, Any]:
    from bench import pages as pages_mod

    Order = optional_model("orders.Order")
    Product = model("inventory.Product")
    client = staff_client()
    data: dict[str, Any] = {
        "sku": Product.objects.exclude(sku__startswith="BENCH-").order_by("pk").values_list("sku", flat=True).first()
    }
    marker = load_marker()
    info = marker.get("info", {})
    data.update({k: v for k, v in info.get("samples", {}).items() if v})
    if Order is not None and Order.objects.exists():
        data["deep_cursor"] = pages_mod.deep_cursor_factory(Order)
    else:
        data["deep_cursor"] = lambda v: None
    out = pages_mod.run_pages(client, data, reference_path=reference_path(), log=log)
    out["available"] = any(r.get("available") for r in out["rows"])
    if Order is None:
        out["note"] = "orders do not exist yet: order pages not measurable"
    return out


# --- CSV import ---------------------------------------------------------------------------------


def csv_import(*, bench_url: str, redis_url: str, repeats: int, log: Log, results: dict) -> dict[str, Any]:
    """100,000 CSV rows (3 per order) through the import, in files of the import's per-file limit.

    Each file is an import of its own, run in a process of its own (as a Celery worker runs it),
    ``BENCH_IMPORT_WORKERS`` (3) at a time. Reported: the per-file rate (orders/s of one import,
    median over the files) and the total throughput (orders of all files / wall time). Reference
    in the same run: raw SQL order placement on one connection (an import places its orders one by
    one) and on as many connections as workers.
    """
    import os
    import subprocess
    import sys

    from django.core.files.base import ContentFile

    from bench.common import ROOT, bench_env

    try:
        from orders.services import imports as imports_mod
    except ImportError as exc:
        raise NotAvailable(f"orders.services.imports: {exc}") from None
    if not callable(getattr(imports_mod, "run_order_import", None)) or not hasattr(imports_mod, "create_order_import"):
        raise NotAvailable("no run_order_import/create_order_import in orders.services.imports")
    Product = model("inventory.Product")
    total_rows = int(os.environ.get("BENCH_IMPORT_ROWS", "100000"))
    workers = int(os.environ.get("BENCH_IMPORT_WORKERS", "3"))
    per_file_limit = getattr(imports_mod, "MAX_ROWS", total_rows)
    per_file = int(os.environ.get("BENCH_IMPORT_FILE_ROWS", per_file_limit))
    per_file = max(1, min(total_rows, per_file_limit, per_file))
    files = max(1, -(-total_rows // per_file))
    skus = list(Product.objects.exclude(sku__startswith="BENCH-").order_by("pk").values_list("sku", flat=True)[:3000])
    restock(skus, 1000, below=1000)
    channel = bench_channel()
    imports = []
    for run in range(files):
        rows = min(per_file, total_rows - run * per_file)
        content = _orders_csv(skus, rows, tag=f"{uuid.uuid4().hex[:6]}-{run}")
        imports.append(
            (
                rows,
                imports_mod.create_order_import(
                    upload=ContentFile(content.encode(), name="bench-orders.csv"), channel=channel, user=None
                ),
            )
        )
    env = bench_env(bench_url, redis_url)
    pending = list(imports)
    running: list[tuple[int, Any, subprocess.Popen]] = []
    outcomes: list[dict[str, Any]] = []
    t0 = time.perf_counter()
    while pending or running:
        while pending and len(running) < workers:
            rows, order_import = pending.pop(0)
            proc = subprocess.Popen(
                [sys.executable, "-m", "bench.import_worker", str(order_import.pk)],
                cwd=ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            running.append((rows, order_import, proc))
        time.sleep(0.2)
        for item in list(running):
            rows, order_import, proc = item
            if proc.poll() is None:
                continue
            running.remove(item)
            out = (proc.stdout.read() if proc.stdout else "").strip().splitlines()
            try:
                outcome = json.loads(out[-1])
            except (IndexError, ValueError):
                raise RuntimeError(
                    f"import worker for import {order_import.pk} failed (exit {proc.returncode})"
                ) from None
            if outcome["errors"] or not outcome["created"]:
                raise NotAvailable(f"the import refused the benchmark file: {outcome['errors'][:2]}")
            outcome["rows"] = rows
            outcome["rate"] = outcome["created"] / outcome["seconds"] if outcome["seconds"] else 0.0
            outcomes.append(outcome)
            log(
                f"  import file {len(outcomes)}/{files}: {rows:,} rows, {outcome['created']:,} orders in "
                f"{outcome['seconds']:.1f} s ({outcome['rate']:.0f} orders/s, "
                f"{outcome['cpu_seconds'] / outcome['created'] * 1000:.1f} ms CPU per order)"
            )
    wall = time.perf_counter() - t0
    created = sum(o["created"] for o in outcomes)
    raw_1, raw_n = [], []
    raw_ref = _import_raw_reference(bench_url)
    if raw_ref is not None:
        try:
            for _ in range(repeats):
                raw_1.append(raw_ref.run(connections=1, seconds=2.0).rate)
                raw_n.append(raw_ref.run(connections=workers, seconds=2.0).rate)
        finally:
            raw_ref.drop()
    rate = median([o["rate"] for o in outcomes])
    throughput = created / wall if wall else 0.0
    raw_1_rate = median(raw_1) if raw_1 else None
    raw_n_rate = median(raw_n) if raw_n else None
    return {
        "available": True,
        "rows": sum(o["rows"] for o in outcomes),
        "files": files,
        "rows_per_file": per_file,
        "per_file_limit": per_file_limit,
        "workers": workers,
        "orders": created,
        "orders_per_s": rate,
        "runs": [o["rate"] for o in outcomes],
        "cpu_ms_per_order": median([o["cpu_seconds"] / o["created"] * 1000 for o in outcomes]),
        "wall_s": wall,
        "throughput_per_s": throughput,
        "raw_1_per_s": raw_1_rate,
        "raw_n_per_s": raw_n_rate,
        "ratio": rate / raw_1_rate if raw_1_rate else None,
        "throughput_ratio": throughput / raw_n_rate if raw_n_rate else None,
        "repeats": files,
        "note": (
            f"{files} files of up to {per_file:,} rows (the import's per-file limit is {per_file_limit:,} rows), "
            f"3 lines per order, each order validated and placed through the intake service with allocation, "
            f"{workers} imports at a time, each in its own process"
        ),
    }


def _import_raw_reference(bench_url: str) -> Any:
    from bench.raw_sql import RawReference, Tables

    try:
        Order, OrderLine = model("orders.Order"), model("orders.OrderLine")
        Product, StockLevel = model("inventory.Product"), model("inventory.StockLevel")
        return RawReference.prepare(
            bench_url.replace("postgres://", "postgresql://", 1),
            Tables(
                order=Order._meta.db_table,
                line=OrderLine._meta.db_table,
                stock=StockLevel._meta.db_table,
                line_fk=fk_column(OrderLine, Order),
                line_product=fk_column(OrderLine, Product),
            ),
        )
    except Exception:  # the import figure stands on its own without the reference
        return None


# Values of the benchmark's CSV rows by column name; the header is whatever the import requires
# (orders.services.imports.REQUIRED_COLUMNS) plus the payment method, so renamed columns follow.
_CSV_VALUES = {
    "customer_name": "{name}",
    "ship_name": "{name}",
    "customer_email": "kunde{i}.{tag}@bench.example",
    "ship_street": "Hauptstraße 1",
    "ship_postcode": "10115",
    "ship_postal_code": "10115",
    "ship_city": "Berlin",
    "ship_country": "DE",
    "quantity": "1",
    "unit_price": "19.99",
    "payment_method": "invoice",
    "currency": "EUR",
}


def _orders_csv(skus: list[str], rows: int, *, tag: str) -> str:
    from orders.services import imports as imports_mod

    columns = [*getattr(imports_mod, "REQUIRED_COLUMNS", ()), "payment_method"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    rnd = random.Random(tag)
    # Exactly ``rows`` rows: orders of 3 lines, the last one with what is left (1 or 2 lines).
    for i in range(-(-rows // 3)):
        fields = {"i": i, "tag": tag, "name": f"Kunde {i}"}
        for sku in rnd.sample(skus, min(3, rows - 3 * i)):
            row = []
            for column in columns:
                if column == "external_id":
                    row.append(f"csv-{tag}-{i}")
                elif column == "sku":
                    row.append(sku)
                else:
                    row.append(_CSV_VALUES.get(column, "").format(**fields))
            writer.writerow(row)
    return out.getvalue()
