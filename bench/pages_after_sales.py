"""Pages after the sale at the load volume: the customer portal, the managers' reports (and the
rollup rebuild behind them), return receiving and the support order page with its shipments,
invoices and returns panels.

The conventions of ``bench/pages.py``: Django's test client in the benchmark process, p50/p95 of
15 requests after a warm-up, SQL time and query count of one request, EXPLAIN ANALYZE of the
slowest statement of a page over its aim, and the one-query reference page measured in the same
run. Portal pages are compared by p95 (aim 3x the reference's p95), the staff pages by p50 (aim
5x). Staff pages are opened as the benchmark's admin, portal pages anonymously.

The portal's lookup is rate-limited per client address and per order number; the benchmark
raises both limits out of reach for its requests (the counters are still kept in Redis, so
their cost is in the figures) instead of spreading them over made-up addresses.

The reports read the rollups: when they do not cover the data set (a freshly generated load),
``manage.py rebuild_rollups`` runs first and its time is the rebuild figure; otherwise the time
of the rebuild that built them is reported with its date (a new rebuild with
``BENCH_REBUILD_ROLLUPS=1``, none at all with ``0``).
"""

from __future__ import annotations

import datetime
import io
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench import pages as pages_mod

PORTAL_AIM = 3.0  # page p95 / reference p95
PAGE_AIM = 5.0  # page p50 / reference p50
# Out of reach of the benchmark's requests; still counted, as in service.
PORTAL_LIMITS = {"PORTAL_LOOKUPS_PER_ADDRESS": 10**9, "PORTAL_LOOKUPS_PER_ORDER_NUMBER": 10**9}
ROLLUP_MARKER = "rollups"


@dataclass
class Page:
    key: str
    group: str  # portal, reports, sections, exports, after_sales
    label: str
    path: str
    client: Any
    fetch: Callable[[], Any] | None = None
    aim: float | None = PAGE_AIM  # None: an export, reported without an aim
    by: str = "p50"  # the percentile compared with the reference's


def _get(client: Any, path: str, **headers: Any) -> Callable[[], Any]:
    """GET ``path``; a streamed answer (CSV) is read to its end, as a browser does."""

    def fetch() -> Any:
        response = client.get(path, **headers)
        if getattr(response, "streaming", False):
            response.bench_bytes = sum(len(chunk) for chunk in response.streaming_content)
        return response

    return fetch


# --- the pages ----------------------------------------------------------------------------------


def portal_pages(anonymous: Any, sample: Any, lookup: tuple[str, str] | None) -> list[Page]:
    from django.urls import reverse

    from orders.models import Order
    from orders.portal_links import portal_path

    ids = dict(Order.objects.filter(number__in=[sample.single, sample.several]).values_list("number", "pk"))
    form = reverse("orders:portal-lookup")
    pages = [Page("portal_form", "portal", "Portal: lookup form", form, anonymous, by="p95", aim=PORTAL_AIM)]
    if lookup is not None:
        number, email = lookup

        def post() -> Any:
            return anonymous.post(form, {"number": number, "secret": email}, follow=True)

        pages.append(
            Page(
                "portal_lookup",
                "portal",
                "Portal: lookup by number + e-mail, on to the order page",
                form,
                anonymous,
                fetch=post,
                by="p95",
                aim=PORTAL_AIM,
            )
        )
        lookup_id = Order.objects.values_list("pk", flat=True).get(number=number)
        pages.append(
            Page(
                "portal_order",
                "portal",
                "Portal: order page by its signed link",
                portal_path(lookup_id),
                anonymous,
                by="p95",
                aim=PORTAL_AIM,
            )
        )
    for key, order_number, label in (
        ("portal_order_single", sample.single, "1 shipment, 1 invoice, 1 return"),
        ("portal_order_several", sample.several, _several(sample)),
    ):
        path = portal_path(ids[order_number])
        pages.append(Page(key, "portal", f"Portal: order page, {label}", path, anonymous, by="p95", aim=PORTAL_AIM))
    return pages


def _several(sample: Any) -> str:
    c = sample.counts.get(sample.several, {})
    return f"{c.get('shipments', '?')} shipments, {c.get('invoices', '?')} invoices, {c.get('returns', '?')} returns"


def report_pages(staff: Any, *, today: datetime.date) -> list[Page]:
    from urllib.parse import urlencode

    from django.urls import reverse

    from orders.models import Channel
    from reporting.views import CSV_TABLES

    dashboard = reverse("reporting:dashboard")
    drill = reverse("reporting:order-list")
    month = {"placed_from": (today - datetime.timedelta(days=29)).isoformat(), "placed_to": today.isoformat()}
    last_month_end = today.replace(day=1) - datetime.timedelta(days=1)
    period = urlencode({"from": last_month_end.replace(day=1).isoformat(), "to": last_month_end.isoformat()})
    channel = Channel.objects.order_by("pk").values_list("code", flat=True).first() or ""

    def q(base: str, **params: Any) -> str:
        return base + "?" + urlencode(params)

    def page(key: str, label: str, path: str, **kw: Any) -> Page:
        return Page(key, kw.pop("group", "reports"), label, path, staff, **kw)

    year = (today - datetime.timedelta(days=364)).isoformat()
    two_years = (today - datetime.timedelta(days=730)).isoformat()
    out = [
        page("reports_home", "Reports: start page", reverse("reports-home")),
        page("dashboard", "Dashboard, last 30 days", dashboard),
        page("dashboard_channel", "Dashboard, one channel", q(dashboard, channel=channel)),
        page("dashboard_year", "Dashboard, a year per week", q(dashboard, date_from=year, grain="week")),
        page("dashboard_two_years", "Dashboard, two years per month", q(dashboard, date_from=two_years, grain="month")),
        Page(
            "dashboard_refresh",
            "reports",
            "Dashboard, self-refresh (HTMX part)",
            dashboard,
            staff,
            fetch=_get(staff, dashboard, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="report-dashboard"),
        ),
        page("drill_all", "Drill-down: all orders (default)", drill),
        page("drill_month", "Drill-down: orders of the last 30 days", q(drill, measure="orders", **month)),
        page("drill_shipped", "Drill-down: shipped, last 30 days", q(drill, measure="shipped", **month)),
        page("drill_returned", "Drill-down: with a return, last 30 days", q(drill, measure="returned", **month)),
        page("drill_backlog", "Drill-down: open now, allocated", q(drill, measure="backlog", state="allocated")),
        page("accounting", "Accounting export page", reverse("reporting:accounting")),
        page("replenishment", "Replenishment suggestions", reverse("inventory:replenishment-list")),
    ]
    for table, (label, _rows) in CSV_TABLES.items():
        path = reverse("reporting:dashboard-csv", args=[table])
        out.append(
            Page(
                f"section_{table}",
                "sections",
                f"Dashboard section: {label} (CSV)",
                path,
                staff,
                fetch=_get(staff, path),
            )
        )
    for key, name, label in (
        ("export_oss", "reporting:accounting-oss", "OSS totals per country, last month (CSV)"),
        ("export_datev", "reporting:accounting-datev", "DATEV booking batch, last month (CSV)"),
    ):
        path = f"{reverse(name)}?{period}"
        out.append(Page(key, "exports", f"Export: {label}", path, staff, fetch=_get(staff, path), aim=None))
    return out


def after_sales_pages(staff: Any, sample: Any) -> list[Page]:
    from django.urls import reverse

    lines = sample.lines

    def page(key: str, label: str, path: str) -> Page:
        return Page(key, "after_sales", label, path, staff)

    return [
        page("receiving_start", "Return receiving: start (expected parcels)", reverse("returns:warehouse-returns")),
        page(
            "receiving_one",
            f"Return receiving screen, {lines.get(sample.rma_one_line, 1)} line",
            reverse("returns:warehouse-return", args=[sample.rma_one_line]),
        ),
        page(
            "receiving_lines",
            f"Return receiving screen, {lines.get(sample.rma_lines, '?')} lines, one unit back",
            reverse("returns:warehouse-return", args=[sample.rma_lines]),
        ),
        page(
            "support_order_single",
            "Support order page, 1 shipment, 1 invoice, 1 return",
            reverse("orders:support-order-detail", args=[sample.single]),
        ),
        page(
            "support_order_several",
            f"Support order page, {_several(sample)}",
            reverse("orders:support-order-detail", args=[sample.several]),
        ),
        page(
            "support_return",
            "Support return page",
            reverse("returns:support-return-detail", args=[sample.rma_lines]),
        ),
        page("support_returns_queue", "Support returns queue", reverse("returns:support-return-list")),
    ]


# --- measuring ------------------------------------------------------------------------------------


def measure(page: Page, reference: dict[str, Any], log: Callable[[str], None]) -> dict[str, Any]:
    row: dict[str, Any] = {
        "key": page.key,
        "group": page.group,
        "page": page.label,
        "url": page.path,
        "aim": page.aim,
        "by": page.by,
        "available": False,
    }
    try:
        timing = pages_mod.time_page(
            page.client, page.path, samples=pages_mod.SAMPLES, fetch=page.fetch or _get(page.client, page.path)
        )
    except Exception as exc:  # a broken page is a result, not a crash of the benchmark
        row["reason"] = f"error: {type(exc).__name__}: {exc}"[:200]
        log(f"  {page.label}: {row['reason']}")
        return row
    row.update(timing)
    row["available"] = timing["status"] == 200
    if not row["available"]:
        row["reason"] = f"HTTP {timing['status']}"
    ref = reference.get(f"{page.by}_ms")
    row["ratio"] = timing[f"{page.by}_ms"] / ref if ref else None
    over = page.aim is not None and (row["ratio"] or 0) > page.aim
    if row["available"] and over and timing["sql_ms"] > timing["p50_ms"] / 2:
        row["explain"] = pages_mod.explain_slowest(page.client, page.path, fetch=page.fetch)
    log(
        f"  {page.label}: p50 {timing['p50_ms']:.1f} ms p95 {timing['p95_ms']:.1f} ms, SQL {timing['sql_ms']:.1f} ms, "
        f"{timing['queries']} queries, x{row['ratio'] or 0:.1f} ({page.by})  [{timing['status']}]"
    )
    return row


def checks(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """No N+1: a page of an order (or return) with several shipments, invoices and returns (or
    lines) costs the queries of one with one of each."""
    by_key = {r["key"]: r for r in rows if r.get("available")}
    out = []
    for several, single, name in (
        ("support_order_several", "support_order_single", "the support order page"),
        ("portal_order_several", "portal_order_single", "the portal's order page"),
        ("receiving_lines", "receiving_one", "the return receiving screen"),
    ):
        a, b = by_key.get(several), by_key.get(single)
        if a and b:
            what = a["page"].split(", ", 1)[-1]
            out.append(
                {
                    "name": f"No N+1: SQL queries of {name}, {what} vs. one",
                    "result": f"{a['queries']} vs. {b['queries']} queries",
                    "aim": "the same count",
                    "ok": a["queries"] == b["queries"],
                }
            )
    return out


def _lookup_finds(anonymous: Any, number: str, email: str) -> bool:
    from django.urls import reverse

    response = anonymous.post(reverse("orders:portal-lookup"), {"number": number, "secret": email}, follow=True)
    return response.status_code == 200 and bool(response.redirect_chain)


# --- the rollups ----------------------------------------------------------------------------------


def rollups(log: Callable[[str], None]) -> dict[str, Any]:
    """Rebuild the rollups when they do not cover the data set (or when asked), timed; else the
    figure of the rebuild that built them."""
    from django.apps import apps
    from django.core.management import call_command

    from loadgen.generator import MARKER_TABLE
    from orders.models import Order
    from reporting.models import OrderFact
    from reporting.services.rollups import data_as_of

    orders = Order.objects.count()
    facts = OrderFact.objects.count()
    as_of = data_as_of()
    stored = _read_marker(MARKER_TABLE)
    fresh = as_of is not None and facts >= orders * 0.99 and stored.get("orders") == facts
    asked = os.environ.get("BENCH_REBUILD_ROLLUPS", "")
    if asked == "0":
        log(f"  rollups cover {facts:,} of {orders:,} orders: not rebuilt (BENCH_REBUILD_ROLLUPS=0)")
        return {**stored, "cached": True, "note": "BENCH_REBUILD_ROLLUPS=0"}
    if fresh and asked not in ("1", "true", "yes"):
        log(f"  rollups cover {facts:,} of {orders:,} orders (as of {as_of:%Y-%m-%d %H:%M}): not rebuilt")
        return {**stored, "cached": True}
    log(f"  rollups cover {facts:,} of {orders:,} orders: rebuilding (manage.py rebuild_rollups)")
    started = time.monotonic()
    call_command("rebuild_rollups", verbosity=0, stdout=io.StringIO())
    seconds = time.monotonic() - started
    # As after loading: freshly written tables get their planner statistics (autovacuum would soon).
    from django.db import connection

    with connection.cursor() as cursor:
        for model in apps.get_app_config("reporting").get_models():
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    built = OrderFact.objects.count()
    result = {
        "seconds": seconds,
        "orders": built,
        "orders_per_s": built / seconds if seconds else None,
        "at": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }
    _write_marker(MARKER_TABLE, result)
    log(f"  rebuilt the rollups of {built:,} orders in {seconds:.1f} s ({result['orders_per_s'] or 0:,.0f} orders/s)")
    return {**result, "cached": False}


def _read_marker(table: str) -> dict[str, Any]:
    import json

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {table} (key text PRIMARY KEY, value jsonb NOT NULL)")
        cursor.execute(f"SELECT value FROM {table} WHERE key = %s", [ROLLUP_MARKER])
        row = cursor.fetchone()
    if not row:
        return {}
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


def _write_marker(table: str, value: dict[str, Any]) -> None:
    import json

    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (key, value) VALUES (%s, %s::jsonb)"
            " ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [ROLLUP_MARKER, json.dumps(value)],
        )


# --- the part -----------------------------------------------------------------------------------


def after_sales(*, bench_url: str, redis_url: str, repeats: int, log: Callable[[str], None], results: dict) -> dict:
    from django.test import Client, override_settings
    from django.utils import timezone

    from bench import after_sales_data, parts

    parts.model("orders.Order")
    parts.model("returns.ReturnRequest")
    parts.model("reporting.OrderFact")
    if not parts.model("orders.Order").objects.exists():
        raise parts.NotAvailable("no orders (run generate_load)")
    sample = after_sales_data.sample(log=log)
    log(
        f"  objects ({sample.source}): orders {sample.single} and {sample.several} ({_several(sample)}), "
        f"returns {sample.rma_one_line} and {sample.rma_lines}"
    )
    lookup = after_sales_data.portal_sample(parts.load_marker().get("info", {}).get("samples", {}), sample)
    rebuild = rollups(log)
    staff, anonymous = parts.staff_client(), Client()
    reference_path = parts.reference_path()
    reference = pages_mod.time_page(staff, reference_path, samples=pages_mod.SAMPLES * 2)
    log(f"  reference {reference_path}: p50 {reference['p50_ms']:.2f} ms, p95 {reference['p95_ms']:.2f} ms")
    rows = []
    with override_settings(**PORTAL_LIMITS):
        if lookup is not None and not _lookup_finds(anonymous, *lookup):
            log(f"  the portal lookup does not find order {lookup[0]} by its e-mail: not measured")
            lookup = None
        for page in portal_pages(anonymous, sample, lookup):
            rows.append(measure(page, reference, log))
    for page in report_pages(staff, today=timezone.localdate()) + after_sales_pages(staff, sample):
        rows.append(measure(page, reference, log))
    return {
        "available": any(r.get("available") for r in rows),
        "reference": reference,
        "rows": rows,
        "checks": checks(rows),
        "rollups": rebuild,
        "sample": {
            "source": sample.source,
            "single": sample.single,
            "several": sample.several,
            "counts": sample.counts,
            "rma_one_line": sample.rma_one_line,
            "rma_lines": sample.rma_lines,
            "lines": sample.lines,
            "lookup_number": lookup[0] if lookup else None,
        },
        "samples": pages_mod.SAMPLES,
        "portal_limits": (
            "lookup limits per address and per order number raised to 10^9 for the benchmark "
            "(counted in Redis as in service, never reached)"
        ),
    }
