"""Page timings at the load volume: p50/p95 and SQL query count per page, against a reference.

Runs in the benchmark process with Django's test client on the benchmark database (signed in as
an admin, who may open every page). Which URLs exist is looked up in the resolver, so a page
that is not built yet is reported as such instead of failing the run.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from bench.common import median, percentile

SAMPLES = 15
WARMUP = 3
AIM = 5.0  # page p50 / reference p50


@dataclass
class PageSpec:
    key: str
    label: str
    url_names: tuple[str, ...]  # the first one that reverses is used
    build: Callable[[Callable[..., str], dict[str, Any]], str | None]  # (reverse, data) -> path


def _q(base: str, **params: Any) -> str:
    return base + "?" + urlencode(params)


def _deep(base_path: str, client: Any, data: dict[str, Any]) -> str | None:
    """A page far down the list: take the first page's next link and move its cursor deep."""
    html = client.get(base_path).content.decode()
    m = re.search(r'href="\?([^"]*)"[^>]*rel="next"', html) or re.search(r'rel="next"[^>]*href="\?([^"]*)"', html)
    if not m:
        return None
    params = dict(parse_qsl(m.group(1).replace("&amp;", "&")))
    cursor_name = "after" if "after" in params else ("cursor" if "cursor" in params else None)
    if cursor_name is None:
        if "page" in params:
            params["page"] = str(data.get("deep_page_number", 1000))
            return base_path + "?" + urlencode(params)
        return None
    deep_value = data["deep_cursor"](params[cursor_name])
    if deep_value is None:
        return None
    params[cursor_name] = deep_value
    return base_path + "?" + urlencode(params)


ORDER_LIST = ("orders:order-list", "orders:support-order-list", "orders:support-orders")
SUPPORT_SEARCH = ("orders:support-search", "orders:order-search", "orders:search", *ORDER_LIST)
ORDER_DETAIL = ("orders:order-detail", "orders:support-order-detail", "orders:order")

STOCK_LIST = ("inventory:stock-list",)
PAGES = [
    PageSpec("order_list", "Order list (default)", ORDER_LIST, lambda r, d: r()),
    PageSpec("order_list_state", "Order list, backordered", ORDER_LIST, lambda r, d: _q(r(), state="backordered")),
    PageSpec("order_list_channel", "Order list, by channel", ORDER_LIST, lambda r, d: _q(r(), channel=d["channel"])),
    PageSpec("order_list_deep", "Order list, deep page (keyset)", ORDER_LIST, lambda r, d: d["deep"](r())),
    PageSpec("search_number", "Support search: order number", SUPPORT_SEARCH, lambda r, d: _q(r(), q=d["number"])),
    PageSpec("search_email", "Support search: e-mail", SUPPORT_SEARCH, lambda r, d: _q(r(), q=d["email"])),
    PageSpec("search_postcode", "Support search: postcode", SUPPORT_SEARCH, lambda r, d: _q(r(), q=d["postcode"])),
    PageSpec("search_sku", "Support search: SKU", SUPPORT_SEARCH, lambda r, d: _q(r(), q=d["sku"])),
    PageSpec("order_detail_50", "Order detail, 50 lines", ORDER_DETAIL, lambda r, d: r(d["big_order_number"])),
    PageSpec("order_detail_small", "Order detail, few lines (N+1 check)", ORDER_DETAIL, lambda r, d: r(d["number"])),
    PageSpec("stock_overview", "Stock overview", ("inventory:stock-list",), lambda r, d: r()),
    PageSpec("stock_overview_search", "Stock overview, search", STOCK_LIST, lambda r, d: _q(r(), q=d["sku"])),
    PageSpec("product_stock", "Product stock page", ("inventory:product-stock",), lambda r, d: r(d["sku"])),
]  # fmt: skip


def time_page(
    client: Any, path: str, *, samples: int = SAMPLES, fetch: Callable[[], Any] | None = None
) -> dict[str, Any]:
    """p50/p95 of ``samples`` requests (after a warm-up), the SQL queries of one request, and
    how much of a request's time is spent waiting for SQL (the rest is Python: view, template).

    ``fetch`` makes one request (default: GET ``path``), e.g. a form posted and its redirect followed."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    fetch = fetch or (lambda: client.get(path))
    for _ in range(WARMUP):
        response = fetch()
    with CaptureQueriesContext(connection) as ctx:
        response = fetch()
    # Read now: later requests reset the connection's query log the slice points into.
    queries = [q["sql"] for q in ctx.captured_queries]
    times, sql_times = [], []
    spent = [0.0]

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent[0] += time.perf_counter() - t

    with connection.execute_wrapper(timed):
        for _ in range(samples):
            spent[0] = 0.0
            t0 = time.perf_counter()
            fetch()
            times.append((time.perf_counter() - t0) * 1000)
            sql_times.append(spent[0] * 1000)
    return {
        "url": path,
        "status": response.status_code,
        "p50_ms": median(times),
        "p95_ms": percentile(times, 95),
        "sql_ms": median(sql_times),
        "queries": len(queries),
        "sql": [q[:200] for q in queries],
        "samples": samples,
        "bytes": response.bench_bytes if hasattr(response, "bench_bytes") else len(response.content),
    }


def run_pages(client: Any, data: dict[str, Any], *, reference_path: str, log: Callable[[str], None] = print):
    from django.urls import NoReverseMatch, reverse

    reference = time_page(client, reference_path, samples=SAMPLES * 2)
    healthz = time_page(client, "/healthz", samples=SAMPLES * 2)
    log(f"  reference {reference_path}: p50 {reference['p50_ms']:.2f} ms, {reference['queries']} queries")
    data = dict(data)
    data["deep"] = lambda base: _deep(base, client, data)
    rows = []
    for spec in PAGES:
        row: dict[str, Any] = {"key": spec.key, "page": spec.label, "available": False}
        path = None
        for name in spec.url_names:
            try:

                def rev(*args: Any, _name: str = name) -> str:
                    return reverse(_name, args=args)

                path = spec.build(rev, data)
                break
            except NoReverseMatch:
                continue
            except KeyError as exc:
                row["reason"] = f"no sample data for {exc}"
                break
        if path is None:
            row.setdefault("reason", f"no URL named {' / '.join(spec.url_names[:2])}")
            rows.append(row)
            log(f"  {spec.label}: not available ({row['reason']})")
            continue
        try:
            timing = time_page(client, path)
        except Exception as exc:  # a broken page is a result, not a crash of the benchmark
            row["reason"] = f"error: {type(exc).__name__}: {exc}"[:200]
            rows.append(row)
            log(f"  {spec.label}: {row['reason']}")
            continue
        row.update(timing)
        row["available"] = timing["status"] == 200
        for param in ("state", "channel"):
            if f"{param}=" in path and f'name="{param}"' not in client.get(path).content.decode():
                row["note"] = f"the page offers no {param} filter: the parameter may be ignored"
        if not row["available"]:
            row["reason"] = f"HTTP {timing['status']}"
        row["ratio"] = timing["p50_ms"] / reference["p50_ms"] if reference["p50_ms"] else None
        if row["available"] and (row["ratio"] or 0) > AIM and timing["sql_ms"] > timing["p50_ms"] / 2:
            row["explain"] = explain_slowest(client, path)
        rows.append(row)
        log(
            f"  {spec.label}: p50 {timing['p50_ms']:.1f} ms p95 {timing['p95_ms']:.1f} ms, "
            f"{timing['queries']} queries, x{row['ratio']:.1f}  [{timing['status']}]"
        )
    return {"reference": reference, "healthz": healthz, "rows": rows, "checks": checks(rows), "samples": SAMPLES}


def explain_slowest(client: Any, path: str, *, fetch: Callable[[], Any] | None = None) -> dict[str, Any]:
    """EXPLAIN (ANALYZE, BUFFERS) of every SELECT the page runs; the slowest one's plan, so the
    results name the cause of a slow page (the scan, the index, the rows it throws away)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        (fetch or (lambda: client.get(path)))()
    statements = [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    slowest: dict[str, Any] = {}
    for sql in statements:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            plan = [r[0] for r in cursor.fetchall()]
        ms = next((float(line.split(":")[1].split()[0]) for line in plan if line.startswith("Execution Time")), 0.0)
        if ms >= slowest.get("ms", -1.0):
            slowest = {"ms": ms, "sql": sql[:400], "plan": [line for line in plan if "Buffers:" not in line][:24]}
    return slowest


def checks(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """No N+1 (the 50-line order costs the queries of a small one) and keyset paging (a page half-way
    down a million orders costs what the first page costs)."""
    by_key = {r["key"]: r for r in rows if r.get("available")}
    out = []
    big, small = by_key.get("order_detail_50"), by_key.get("order_detail_small")
    if big and small:
        out.append(
            {
                "name": "No N+1: SQL queries of the order page, 50 lines vs. a few",
                "result": f"{big['queries']} vs. {small['queries']} queries",
                "aim": "the same count",
                "ok": big["queries"] == small["queries"],
            }
        )
    first, deep = by_key.get("order_list"), by_key.get("order_list_deep")
    if first and deep:
        ratio = deep["p50_ms"] / first["p50_ms"] if first["p50_ms"] else float("nan")
        out.append(
            {
                "name": "Keyset paging: deep page vs. first page",
                "result": f"p50 {deep['p50_ms']:.1f} vs. {first['p50_ms']:.1f} ms ({ratio:.1f}x), "
                f"SQL {deep.get('sql_ms', 0):.1f} vs. {first.get('sql_ms', 0):.1f} ms, "
                f"{deep['queries']} vs. {first['queries']} queries",
                "aim": "same queries, about the same time",
                "ok": deep["queries"] == first["queries"] and ratio < 1.5,
            }
        )
    return out


def deep_cursor_factory(order_model: Any) -> Callable[[str], str | None]:
    """Given the first page's cursor value, the same kind of value for an order half-way down."""

    def deep(first_value: str) -> str | None:
        total = order_model.objects.count()
        if not total:
            return None
        middle_pk = order_model.objects.order_by("pk").values_list("pk", flat=True)[total // 2]
        middle = order_model.objects.get(pk=middle_pk)
        from oms.paging import decode_cursor, encode_cursor

        if decode_cursor(first_value) is not None:  # the order list's opaque (created_at, id) cursor
            return encode_cursor([middle.created_at, middle.pk])
        probe = None
        if first_value.isdigit():
            probe = order_model.objects.filter(pk=int(first_value)).first()
            field = "pk" if probe else None
        if probe is None:
            for name in ("number", "created_at", "placed_at"):
                try:
                    if order_model.objects.filter(**{name: first_value}).exists():
                        field = name
                        break
                except Exception:
                    continue
            else:
                return None
        value = getattr(middle, field)
        return value.isoformat() if hasattr(value, "isoformat") else str(value)

    return deep


def split_path(path: str) -> tuple[str, str]:
    parts = urlsplit(path)
    return parts.path, parts.query
