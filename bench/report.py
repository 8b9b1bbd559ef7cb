"""Turn the results dictionary into ``latest.json`` and a Markdown report (``latest.md``).

The report opens with one summary table (every figure beside its same-run reference, the ratio,
the aim and whether it is met), then a section per part with the details and, for every missed
aim, where the time goes as measured in the same run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"
INTAKE_AIM = 1 / 3  # API / raw SQL at low contention
PAGE_AIM = 5.0  # page p50 / reference p50


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if value != value:  # NaN
            return "-"
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _met(ok: bool | None) -> str:
    return "-" if ok is None else ("yes" if ok else "**no**")


def summary_rows(results: dict[str, Any]) -> list[list[str]]:
    """Rows of the summary table: benchmark, result, reference, ratio, aim, met."""
    rows: list[list[str]] = []
    load = results.get("load", {})
    counts = load.get("counts", {})
    if counts:
        rows.append(
            [
                "Load data (generate_load)",
                f"{counts.get('orders', 0):,} orders, {counts.get('order lines', 0):,} lines, "
                f"{counts.get('order events', 0):,} events, {counts.get('products', 0):,} products",
                load.get("note", ""),
                "-",
                "minutes, not hours",
                "-",
            ]
        )
    intake = results.get("intake", {})
    for r in intake.get("rows", []):
        low = r["contention"] == "low"
        ratio = r.get("ratio")
        rows.append(
            [
                f"Intake via HTTP API, {r['contention']} contention, {r['connections']} conn.",
                f"{_fmt(r.get('api_per_s'))} orders/s",
                f"raw SQL {_fmt(r.get('raw_per_s'))} orders/s",
                _fmt(ratio, 2),
                f"≥ {INTAKE_AIM:.2f}" if low else "-",
                _met(ratio is not None and ratio >= INTAKE_AIM) if low else "-",
            ]
        )
    if not intake.get("rows"):
        rows.append(["Intake via HTTP API", f"not available: {intake.get('reason', 'not run')}", "-", "-", "-", "-"])
    oversell = results.get("oversell", {})
    if oversell.get("available"):
        rows.append(
            [
                "Oversell: 32 clients, last 50 units",
                f"{oversell['allocated_units']} units allocated, {oversell['backordered_orders']} orders backordered, "
                f"{oversell['other']} other",
                f"ledger {oversell['ledger_sum']} = on hand {oversell['on_hand']}, reserved {oversell['reserved']}",
                "-",
                "exactly 50, rest backordered, ledger balanced",
                "**PASS**" if oversell["passed"] else "**FAIL**",
            ]
        )
    else:
        rows.append(["Oversell", f"not available: {oversell.get('reason', 'not run')}", "-", "-", "-", "-"])
    pages = results.get("pages", {})
    ref = pages.get("reference", {})
    for r in pages.get("rows", []):
        if not r.get("available"):
            rows.append([f"Page: {r['page']}", f"not available: {r.get('reason', '')}", "-", "-", "-", "-"])
            continue
        ratio = r.get("ratio")
        rows.append(
            [
                f"Page: {r['page']}",
                f"p50 {_fmt(r['p50_ms'])} ms, p95 {_fmt(r['p95_ms'])} ms, {r['queries']} queries",
                f"reference p50 {_fmt(ref.get('p50_ms'), 2)} ms",
                _fmt(ratio, 1) + "x",
                f"≤ {PAGE_AIM:g}x",
                _met(ratio is not None and ratio <= PAGE_AIM),
            ]
        )
    for check in pages.get("checks", []):
        rows.append([check["name"], check["result"], check.get("reference", "-"), "-", check["aim"], _met(check["ok"])])
    imp = results.get("import", {})
    if imp.get("available"):
        rows.append(
            [
                f"CSV import, {imp['rows']:,} rows, per file",
                f"{_fmt(imp['orders_per_s'])} orders/s (median of {imp['files']} files)",
                f"raw SQL 1 conn. {_fmt(imp.get('raw_1_per_s'))} orders/s",
                _fmt(imp.get("ratio"), 2),
                "-",
                "-",
            ]
        )
        rows.append(
            [
                f"CSV import, {imp['rows']:,} rows, {imp['workers']} imports at a time",
                f"{_fmt(imp['throughput_per_s'])} orders/s ({imp['orders']:,} orders in {_fmt(imp['wall_s'], 0)} s)",
                f"raw SQL {imp['workers']} conn. {_fmt(imp.get('raw_n_per_s'))} orders/s",
                _fmt(imp.get("throughput_ratio"), 2),
                "-",
                "-",
            ]
        )
    else:
        rows.append(["CSV import", f"not available: {imp.get('reason', 'not run')}", "-", "-", "-", "-"])
    rows += _fulfillment_rows(results.get("fulfillment", {}))
    rows += _after_sales_rows(results.get("after_sales_pages", {}))
    rows += _invoice_rows(results.get("invoices", {}))
    rows += _numbering_rows(results.get("numbering", {}))
    rows += _soak_rows(results.get("soak", {}))
    rows += _duration_rows(results)
    return rows


def _page_ok(r: dict[str, Any]) -> bool | None:
    if r.get("aim") is None:
        return None
    return r.get("ratio") is not None and r["ratio"] <= r["aim"]


def _after_sales_rows(part: dict[str, Any]) -> list[list[str]]:
    """Portal, reports, return receiving and the support order page (``bench/pages_after_sales.py``)."""
    if not part.get("rows"):
        return [["Pages after the sale", f"not available: {part.get('reason', 'not run')}", "-", "-", "-", "-"]]
    ref = part.get("reference", {})
    rows: list[list[str]] = []
    rebuild = part.get("rollups") or {}
    if rebuild.get("seconds") is not None:
        rows.append(
            [
                f"Rollup rebuild (manage.py rebuild_rollups), {rebuild.get('orders', 0):,} orders",
                f"{_fmt(rebuild['seconds'])} s ({_fmt(rebuild.get('orders_per_s'), 0)} orders/s)",
                f"built {rebuild.get('at', '?')}" + (" (not rebuilt in this run)" if rebuild.get("cached") else ""),
                "-",
                "-",
                "-",
            ]
        )
    sections = [r for r in part["rows"] if r.get("group") == "sections" and r.get("available")]
    for r in part["rows"]:
        if r.get("group") == "sections":
            continue
        if not r.get("available"):
            rows.append([f"Page: {r['page']}", f"not available: {r.get('reason', '')}", "-", "-", "-", "-"])
            continue
        by = r.get("by", "p50")
        rows.append(
            [
                f"Page: {r['page']}",
                f"p50 {_fmt(r['p50_ms'])} ms, p95 {_fmt(r['p95_ms'])} ms, {r['queries']} queries",
                f"reference {by} {_fmt(ref.get(f'{by}_ms'), 2)} ms",
                _fmt(r.get("ratio"), 1) + "x",
                f"≤ {r['aim']:g}x ({by})" if r.get("aim") is not None else "- (export)",
                _met(_page_ok(r)),
            ]
        )
    if sections:
        slowest = max(sections, key=lambda r: r["p50_ms"])
        rows.append(
            [
                f"Page: Dashboard sections alone ({len(sections)} CSV tables)",
                f"slowest: {slowest['page'].split(': ', 1)[-1]} p50 {_fmt(slowest['p50_ms'])} ms, "
                f"{slowest['queries']} queries",
                f"reference p50 {_fmt(ref.get('p50_ms'), 2)} ms",
                _fmt(slowest.get("ratio"), 1) + "x",
                f"≤ {PAGE_AIM:g}x (p50), each",
                _met(all(_page_ok(r) for r in sections)),
            ]
        )
    for check in part.get("checks", []):
        rows.append([check["name"], check["result"], "-", "-", check["aim"], _met(check["ok"])])
    return rows


def _missed(rows: list[dict[str, Any]]) -> list[str]:
    """Where the time of each page over its aim goes, with the slowest statement's plan."""
    out: list[str] = []
    for r in rows:
        sql_ms = r.get("sql_ms") or 0.0
        python_ms = max(r["p50_ms"] - sql_ms, 0.0)
        cause = (
            "SQL (plan below)"
            if sql_ms > python_ms and r.get("explain")
            else ("SQL round trips" if sql_ms > python_ms else "Python (view and template rendering)")
        )
        out.append(
            f"- {r['page']}: {_fmt(r['p50_ms'])} ms, of which {_fmt(sql_ms)} ms SQL in {r['queries']} queries and "
            f"{_fmt(python_ms)} ms Python: the cost is {cause}."
        )
        if r.get("explain"):
            ex = r["explain"]
            out += [
                f"  Slowest statement, {_fmt(ex['ms'], 1)} ms (EXPLAIN ANALYZE in this run):",
                "",
                "  ```",
                *[f"  {line}" for line in ex["plan"]],
                "  ```",
            ]
    return out


def _after_sales_markdown(part: dict[str, Any]) -> list[str]:
    out = ["", "### Pages after the sale: portal, reports, return receiving, the support order page", ""]
    if not part.get("rows"):
        return [*out, f"Not available: {part.get('reason', 'not run')}"]
    ref = part.get("reference", {})
    sample = part.get("sample", {})
    rebuild = part.get("rollups") or {}
    counts = sample.get("counts", {})
    several = counts.get(sample.get("several"), {})
    out.append(
        f"Reference: `{ref.get('url')}` (signed in, one indexed query), measured in this part: p50 "
        f"{_fmt(ref.get('p50_ms'), 2)} ms, p95 {_fmt(ref.get('p95_ms'), 2)} ms. Portal pages (anonymous) are "
        f"compared by p95 (aim {3:g}x), staff pages by p50 (aim {PAGE_AIM:g}x); exports have no aim. "
        f"Portal: {part.get('portal_limits', '')}. Objects ({sample.get('source', '?')}): orders "
        f"{sample.get('single')} (1 shipment, 1 invoice, 1 return) and {sample.get('several')} "
        f"({several.get('shipments', '?')} shipments, {several.get('invoices', '?')} invoices, "
        f"{several.get('returns', '?')} returns), returns {sample.get('rma_one_line')} and {sample.get('rma_lines')}. "
        + (
            f"Rollups: rebuilt by `manage.py rebuild_rollups` in {_fmt(rebuild.get('seconds'))} s for "
            f"{rebuild.get('orders', 0):,} orders ({rebuild.get('at', '?')}"
            + (
                ", not in this run: they covered the data set; BENCH_REBUILD_ROLLUPS=1 rebuilds)"
                if rebuild.get("cached")
                else ")"
            )
            + "."
            if rebuild.get("seconds") is not None
            else ""
        )
    )
    out += [
        "",
        "| page | URL | p50 ms | p95 ms | SQL ms | SQL queries | ratio | aim |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in part["rows"]:
        if r.get("available"):
            aim = f"≤ {r['aim']:g}x ({r.get('by')})" if r.get("aim") is not None else "-"
            out.append(
                f"| {r['page']} | `{r['url']}` | {_fmt(r['p50_ms'])} | {_fmt(r['p95_ms'])} | {_fmt(r.get('sql_ms'))} | "
                f"{r['queries']} | {_fmt(r.get('ratio'), 1)} | {aim} |"
            )
        else:
            out.append(
                f"| {r['page']} | `{r.get('url', '')}` | - | - | - | - | not available: {r.get('reason', '')} | |"
            )
    missed = [r for r in part["rows"] if r.get("available") and _page_ok(r) is False]
    if missed:
        out += ["", "**Pages over their aim:**", "", *_missed(missed)]
    return out


WAVE_AIM_S = 2.0


def _fulfillment_rows(ful: dict[str, Any]) -> list[list[str]]:
    if not ful.get("available"):
        return [["Fulfillment (waves, labels)", f"not available: {ful.get('reason', 'not run')}", "-", "-", "-", "-"]]
    rows = []
    waves, scans, labels = ful.get("waves"), ful.get("scans"), ful.get("labels")
    if waves:
        rows.append(
            [
                f"Wave building, {waves['orders']:,} allocated orders",
                f"{_fmt(waves['median_s'], 2)} s ({_fmt(median_of(waves['pick_lines']), 0)} pick lines)",
                "-",
                "-",
                f"≤ {WAVE_AIM_S:g} s",
                _met(waves["median_s"] <= WAVE_AIM_S),
            ]
        )
    if scans:
        rows.append(_scan_row(scans))
    if labels:
        rows.append(
            [
                f"Label PDFs, {labels['workers']} Celery workers, {labels['labels']} labels",
                f"{_fmt(labels['labels_per_s'], 2)} labels/s ({_fmt(labels['pdfs_per_s'], 2)} PDFs/s: label and "
                "delivery note, booking included)",
                f"bare WeasyPrint, same label, {labels['workers']} processes: {_fmt(labels['bare_per_s'], 2)} PDFs/s",
                _fmt(labels.get("ratio"), 2),
                *_pdf_aim(labels),
            ]
        )
    return rows


def _scan_row(scans: dict[str, Any]) -> list[str]:
    return [
        f"Pick screen scan round trip, {scans['scans']} scans",
        f"p95 {_fmt(scans['p95_ms'])} ms, p50 {_fmt(scans['p50_ms'])} ms, {scans['queries']} queries, "
        f"{scans['errors']} refused",
        f"reference p95 {_fmt(scans.get('reference_p95_ms'), 2)} ms" if scans.get("reference_p95_ms") else "-",
        _fmt(scans.get("ratio"), 1) + "x" if scans.get("ratio") else "-",
        "-",
        "-",
    ]


PDF_AIM = 0.7  # PDFs/s of the workers / (min(workers, cores) x one process's bare rate)


def _pdf_aim(part: dict[str, Any]) -> list[str]:
    """The aim and met cells of a PDF row: PDFs/s ≥ 0.7 x min(workers, cores) x bare per process."""
    ratio = part.get("aim_ratio")
    if ratio is None:
        return ["-", "-"]
    return [
        f"≥ {PDF_AIM:g} x min(workers, cores) x bare per process (ratio {_fmt(ratio, 2)})",
        _met(ratio >= PDF_AIM),
    ]


def _invoice_rows(inv: dict[str, Any]) -> list[list[str]]:
    if not inv.get("available"):
        return [["Invoice PDFs", f"not available: {inv.get('reason', 'not run')}", "-", "-", "-", "-"]]
    return [
        [
            f"Invoice PDFs, {inv['workers']} Celery workers, {inv['invoices']} invoices",
            f"{_fmt(inv['pdfs_per_s'], 2)} PDFs/s (outbox hand-over to stored PDF)",
            f"bare WeasyPrint, same invoice, {inv['workers']} processes: {_fmt(inv['bare_per_s'], 2)} PDFs/s",
            _fmt(inv.get("ratio"), 2),
            *_pdf_aim(inv),
        ]
    ]


def _numbering_rows(num: dict[str, Any]) -> list[list[str]]:
    if not num.get("available"):
        return [["Gapless invoice numbering", f"not available: {num.get('reason', 'not run')}", "-", "-", "-", "-"]]
    single = num.get("single_per_s")
    return [
        [
            f"Gapless invoice numbering, {num['issuers']} concurrent issuers",
            f"{_fmt(num['invoices_per_s'])} invoices/s; {num['invoices']:,} invoices, {num['duplicates']} duplicates, "
            f"{num['gaps']} gaps, {num['errors']} errors (series: {num['series_count']:,} invoices, "
            f"{num['series_distinct']:,} numbers, counter {num['counter_after']:,})",
            f"one issuer alone {_fmt(single)} invoices/s",
            _fmt(num["invoices_per_s"] / single, 2) if single and num.get("invoices_per_s") else "-",
            "no gaps, no duplicates",
            "**PASS**" if num["passed"] else "**FAIL**",
        ]
    ]


def _soak_rows(soak: dict[str, Any]) -> list[list[str]]:
    if not soak.get("available"):
        return [["Mixed-load soak", f"not available: {soak.get('reason', 'not run')}", "-", "-", "-", "-"]]
    seconds = soak["seconds"]
    span = f"{seconds / 60:.0f} min" if seconds >= 120 else f"{seconds:.0f} s"
    rows = []
    for k in soak["kinds"]:
        rows.append(
            [
                f"Soak {span}: {k['kind']}",
                f"{_fmt(k['per_s'], 1)}/s, p95 {_fmt(k['p95_ms'])} ms ({k['ops']:,} in all)",
                f"p50 {_fmt(k['p50_ms'])} ms",
                "-",
                "0 errors",
                _met(k["errors"] == 0) + (f" ({k['errors']} errors)" if k["errors"] else ""),
            ]
        )
    start, end, peak = soak["rss_start"], soak["rss_end"], soak["rss_peak"]
    for key, label in (("web_mib", "web (gunicorn)"), ("worker_mib", "Celery workers")):
        rows.append(
            [
                f"Soak {span}: resident memory, {label}",
                f"{_fmt(start[key], 0)} MiB at the start, {_fmt(end[key], 0)} MiB at the end",
                f"peak {_fmt(peak[key], 0)} MiB",
                _fmt(end[key] / start[key], 2) if start[key] else "-",
                "no growth without bound",
                "-",
            ]
        )
    return rows


DURATION_AIM_S = 30 * 60


def _duration_rows(results: dict[str, Any]) -> list[list[str]]:
    """``make bench`` end to end against its aim: under 30 minutes with the load data cached."""
    seconds = results.get("duration_s")
    if seconds is None:
        return []
    load = results.get("load", {})
    cached = str(load.get("note", "")).startswith("cached")
    skipped = [
        name for name, part in results.items() if isinstance(part, dict) and "BENCH_SKIP" in str(part.get("reason"))
    ]
    return [
        [
            "make bench, end to end",
            f"{_fmt(seconds / 60, 1)} min" + (f" (skipped: {', '.join(skipped)})" if skipped else ""),
            "load data cached" if cached else "load data generated in this run",
            "-",
            "< 30 min with load cached",
            _met(seconds < DURATION_AIM_S) if cached and not skipped else "-",
        ]
    ]


def median_of(values: list[float]) -> float | None:
    import statistics

    return statistics.median(values) if values else None


# Parts of ``_CPU_PARTS`` (bench/parts.py) that do not contain each other, for naming the largest.
_SEPARATE_PARTS = ("API-key", "request body", "Idempotency-Key", "intake service", "output serializer")


def _largest_parts(parts: list[dict[str, Any]]) -> str:
    """ "The largest shares: ..." from the CPU shares of the parts of a request."""
    named = [p for p in parts if p.get("share") is not None and str(p["part"]).startswith(_SEPARATE_PARTS)]
    named.sort(key=lambda p: -p["share"])
    if not named:
        return ""
    return (
        "The largest shares of that CPU: "
        + ", ".join(f"{p['part']} {_fmt(p['share'] * 100, 0)} %" for p in named[:3])
        + "."
    )


def _concurrency_note(low: list[dict[str, Any]]) -> str:
    """Why more connections do not raise the rate, from the measured rows (says nothing it cannot show)."""
    first, last = min(low, key=lambda r: r["connections"]), max(low, key=lambda r: r["connections"])
    if first is last or not first.get("api_per_s") or not last.get("api_per_s"):
        return ""
    notes = []
    busy = first.get("machine_busy")
    if busy is not None and busy >= 0.85:
        notes.append(
            f"at {first['connections']} connection the machine's CPUs were already {_fmt(busy * 100, 0)} % busy "
            "(web workers, PostgreSQL, the load client and whatever else runs on the machine), so more "
            "connections only queue for the same CPU"
        )
    cpu1, cpu_n = first.get("web_cpu_ms"), last.get("web_cpu_ms")
    if cpu1 and cpu_n and cpu_n > 1.15 * cpu1:
        notes.append(
            f"and each order costs the web workers more CPU with more connections ({_fmt(cpu1)} ms at "
            f"{first['connections']}, {_fmt(cpu_n)} ms at {last['connections']}: more processes taking turns on "
            "the same cores)"
        )
    if not notes:
        return ""
    trend = "falls" if last["api_per_s"] < first["api_per_s"] else "barely grows"
    return f"The rate {trend} with more connections: " + " ".join(notes) + ". "


def summary_table(results: dict[str, Any]) -> str:
    out = [
        "| benchmark | result (median) | reference, same run | ratio | aim | met |",
        "|---|---|---|---:|---|---|",
    ]
    out += ["| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in summary_rows(results)]
    return "\n".join(out)


def markdown(results: dict[str, Any]) -> str:
    m = results.get("machine", {})
    out: list[str] = []
    out.append(f"## Benchmark results ({results.get('generated_at', '')})")
    out.append("")
    out.append(
        f"Machine: {m.get('nproc')} CPUs ({m.get('cpu_model')}), {m.get('memory_gib')} GiB RAM, "
        f"PostgreSQL {m.get('postgresql')}, Python {m.get('python')}; shared with other work"
        + (
            f" (1-minute load average {m['load_average'][0]} at the start, {m['load_average'][1]} at the end)"
            if m.get("load_average")
            else ""
        )
        + ", so "
        f"compare the ratios, not the absolute figures. `make bench` took {_fmt(results.get('duration_s'), 0)} s. "
        f"Speeds are medians of {results.get('repeats', 3)} runs (pages: p50/p95 of "
        f"{results.get('pages', {}).get('samples', 15)} requests after a warm-up), each beside a reference "
        "measured in the same run."
    )
    out += ["", summary_table(results)]

    intake = results.get("intake", {})
    out += ["", "### Order intake through the HTTP API", ""]
    if intake.get("available"):
        out.append(intake.get("setup", ""))
        out += ["", f"Raw SQL reference: {intake.get('raw_note', '')}."]
        q = intake.get("queries_per_order") or {}
        parts = q.get("cpu_parts") or []
        if q:
            out += [
                "",
                f"Where an API order's time goes (in-process, no HTTP): {q.get('count')} SQL statements "
                f"({', '.join(f'{k} {v}' for k, v in sorted(q.get('by_statement', {}).items()))}) against the raw "
                f"reference's 9 (BEGIN, 1 + 3 INSERT, 3 UPDATE, COMMIT); "
                f"{_fmt(q.get('cpu_ms'))} ms of Python CPU per order "
                f"({_fmt(q.get('in_process_ms'))} ms wall, {_fmt(q.get('sql_ms'))} ms waiting for SQL). "
                "Shares of the request's CPU time:",
                "",
            ]
            out += [f"- {p['part']}: {_fmt((p['share'] or 0) * 100, 0)} %" for p in parts]
        low = [r for r in intake.get("rows", []) if r["contention"] == "low"]
        if low and any((r.get("ratio") or 0) < INTAKE_AIM for r in low) and q.get("cpu_ms"):
            cores = m.get("nproc") or 2
            ceiling = cores * 1000 / q["cpu_ms"]
            out += [
                "",
                f"**Aim missed (API ≥ {INTAKE_AIM:.2f} x raw at low contention).** The cost is Python CPU, not "
                f"locks or SQL: {_fmt(q['cpu_ms'])} ms of CPU per order in the Django process caps {cores} cores "
                f"at about {_fmt(ceiling, 0)} orders/s before PostgreSQL gets any CPU, while the raw reference "
                "needs a fraction of a millisecond of client CPU per order. Per-request overhead (HTTP, "
                "middleware) is small: see the /healthz floor below. "
                + _concurrency_note(low)
                + _largest_parts(parts)
                + " Each ORM statement costs query compilation and a round trip; fewer of them, or more cores "
                "for the web workers, is what would remove it.",
            ]
        out += [
            "",
            "Web CPU is the CPU time of the gunicorn workers per order placed; machine busy is the share of "
            "all CPUs in use during the API runs, by any process on the machine.",
            "",
            "| contention | connections | API orders/s | raw SQL orders/s | API / raw | API errors | "
            "web CPU ms/order | machine busy | /healthz req/s |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in intake.get("rows", []):
            busy = r.get("machine_busy")
            out.append(
                f"| {r['contention']} | {r['connections']} | {_fmt(r.get('api_per_s'))} | "
                f"{_fmt(r.get('raw_per_s'))} | {_fmt(r.get('ratio'), 2)} | {r.get('api_errors', 0)} | "
                f"{_fmt(r.get('web_cpu_ms'))} | {f'{_fmt(busy * 100, 0)} %' if busy is not None else '-'} | "
                f"{_fmt(r.get('healthz_per_s'))} |"
            )
    else:
        out.append(f"Not available: {intake.get('reason', 'not run')}")

    pages = results.get("pages", {})
    out += ["", "### Pages at a million orders (signed in, Django test client)", ""]
    if pages.get("rows"):
        ref = pages.get("reference", {})
        health = pages.get("healthz", {})
        out.append(
            f"Reference: `{ref.get('url')}`, the site shell with one indexed query ({ref.get('queries')} SQL queries "
            f"with session and user): p50 {_fmt(ref.get('p50_ms'), 2)} ms, p95 {_fmt(ref.get('p95_ms'), 2)} ms. "
            f"`/healthz` (no session, one query): p50 {_fmt(health.get('p50_ms'), 2)} ms. "
            "SQL ms is the time spent in the database calls of one request (median); the rest of a page's time "
            "is Python (view, forms, template rendering)."
        )
        out += [
            "",
            "| page | URL | p50 ms | p95 ms | SQL ms | SQL queries | p50 / reference |",
            "|---|---|---:|---:|---:|---:|---:|",
        ]
        for r in pages["rows"]:
            if r.get("available"):
                out.append(
                    f"| {r['page']} | `{r['url']}` | {_fmt(r['p50_ms'])} | {_fmt(r['p95_ms'])} | "
                    f"{_fmt(r.get('sql_ms'))} | {r['queries']} | {_fmt(r.get('ratio'), 1)} |"
                )
            else:
                url = f"`{r['url']}`" if r.get("url") else "-"
                out.append(f"| {r['page']} | {url} | - | - | - | - | not available: {r.get('reason', '')} |")
        missed = [r for r in pages["rows"] if r.get("available") and (r.get("ratio") or 0) > PAGE_AIM]
        if missed:
            out += ["", f"**Pages over {PAGE_AIM:g}x the reference:**", ""]
            for r in missed:
                sql_ms = r.get("sql_ms") or 0.0
                python_ms = max(r["p50_ms"] - sql_ms, 0.0)
                cause = (
                    "SQL (plan below)"
                    if sql_ms > python_ms
                    else "Python (view and template rendering); its SQL is indexed"
                )
                out.append(
                    f"- {r['page']}: {_fmt(r['p50_ms'])} ms, of which {_fmt(sql_ms)} ms SQL and "
                    f"{_fmt(python_ms)} ms Python: the cost is {cause}."
                )
                if r.get("explain"):
                    ex = r["explain"]
                    out += [
                        f"  Slowest statement, {_fmt(ex['ms'], 1)} ms (EXPLAIN ANALYZE in this run):",
                        "",
                        "  ```",
                        *[f"  {line}" for line in ex["plan"]],
                        "  ```",
                    ]
    else:
        out.append(f"Not available: {pages.get('reason', 'not run')}")

    imp = results.get("import", {})
    out += ["", "### CSV order import", ""]
    if imp.get("available"):
        out.append(
            f"{imp['rows']:,} rows, {imp['orders']:,} orders: {imp['note']}. Per file (one import): "
            f"{_fmt(imp['orders_per_s'])} orders/s (median of {imp['files']}; runs "
            f"{', '.join(_fmt(x, 0) for x in imp.get('runs', []))}), {_fmt(imp.get('cpu_ms_per_order'))} ms of "
            f"Python CPU per order. All files: {_fmt(imp['throughput_per_s'])} orders/s, "
            f"{_fmt(imp['wall_s'], 0)} s for the {imp['rows']:,} rows."
        )
    else:
        out.append(f"Not available: {imp.get('reason', 'not run')}")

    out += _after_sales_markdown(results.get("after_sales_pages", {}))
    out += _new_sections(results)

    notes = results.get("notes", [])
    if notes:
        out += ["", "### Notes", ""]
        out += [f"- {n}" for n in notes]
    return "\n".join(out) + "\n"


def _new_sections(results: dict[str, Any]) -> list[str]:
    """latest.md's sections of the pick screen scans, invoice PDFs, numbering and the soak."""
    out: list[str] = []
    scans = results.get("fulfillment", {}).get("scans")
    out += ["", "### Pick screen scans", ""]
    if scans:
        out.append(
            f"{scans['scans']} scans on pick list {scans['pick_list']} (every unit of "
            "its lines in walking order), each an htmx POST to the pick screen's scan endpoint with the test "
            f"client, signed in: p50 {_fmt(scans['p50_ms'])} ms, p95 {_fmt(scans['p95_ms'])} ms, "
            f"{scans['queries']} SQL queries for the first scan, answers {scans['statuses']}. Reference: "
            f"`{scans.get('reference_url')}` p50 {_fmt(scans.get('reference_p50_ms'), 2)} ms, "
            f"p95 {_fmt(scans.get('reference_p95_ms'), 2)} ms. A scan is a write (the pick line counted, "
            "the list started or completed, the timeline) and the partial page rendered again."
        )
    else:
        out.append(f"Not available: {results.get('fulfillment', {}).get('reason', 'not run')}")
    inv = results.get("invoices", {})
    out += ["", "### Invoice PDFs", ""]
    if inv.get("available"):
        out.append(
            f"{inv['invoices']} invoices ({_fmt(inv.get('lines'), 1)} lines each on average) issued through the "
            f"billing service with their PDFs waiting in the outbox, handed at once to {inv['workers']} Celery "
            f"workers (one slot each, a queue of their own): {_fmt(inv['seconds'], 1)} s until every PDF was "
            f"stored, {_fmt(inv['pdfs_per_s'], 2)} PDFs/s. Bare WeasyPrint rendered the same invoice's HTML "
            f"{inv['bare_rendered']} times in {inv['workers']} processes at {_fmt(inv['bare_per_s'], 2)} PDFs/s. "
            f"Aim: ≥ {PDF_AIM:g} x min(workers {inv['workers']}, cores {inv.get('cores')}) x one process's bare "
            f"rate; ratio {_fmt(inv.get('aim_ratio'), 2)}."
        )
    else:
        out.append(f"Not available: {inv.get('reason', 'not run')}")
    num = results.get("numbering", {})
    out += ["", "### Gapless invoice numbering", ""]
    if num.get("available"):
        out.append(
            f"{num['issuers']} threads, each with its own database connection, issued {num['invoices']:,} "
            f"invoices for {num['orders']:,} confirmed orders at once through the billing service "
            f"(`issue_invoice_for_order`; the series' counter row locked in each issuing transaction) in "
            f"{_fmt(num['seconds'], 1)} s: {_fmt(num['invoices_per_s'])} invoices/s; one issuer alone in the same "
            f"run: {_fmt(num.get('single_per_s'))} invoices/s ({num.get('single_invoices')} invoices, one after "
            "another). Numbers of the run: "
            f"{num['counter_before'] + 1:,} to {num['counter_after']:,}, {num['duplicates']} duplicates, "
            f"{num['gaps']} gaps, {num['outside']} outside that range, {num['errors']} failed issues"
            + (f" (first: {num['first_error']})" if num.get("first_error") else "")
            + f". The whole series {num['series']}: {num['series_count']:,} invoices, {num['series_distinct']:,} "
            f"distinct numbers, counter at {num['counter_after']:,}: " + ("**PASS**." if num["passed"] else "**FAIL**.")
        )
    else:
        out.append(f"Not available: {num.get('reason', 'not run')}")
    soak = results.get("soak", {})
    out += ["", "### Mixed-load soak", ""]
    if soak.get("available"):
        out.append(f"{_fmt(soak['seconds'], 0)} s of mixed load at once: {soak['setup']}. ")
        out += [
            "",
            "| kind | operations | per s | p50 ms | p95 ms | errors | first error |",
            "|---|---:|---:|---:|---:|---:|---|",
        ]
        for k in soak["kinds"]:
            out.append(
                f"| {k['kind']} | {k['ops']:,} | {_fmt(k['per_s'], 1)} | {_fmt(k['p50_ms'])} | {_fmt(k['p95_ms'])} | "
                f"{k['errors']} | {(k['first_error'] or '-').replace('|', '/')} |"
            )
        start, end, peak = soak["rss_start"], soak["rss_end"], soak["rss_peak"]
        out += [
            "",
            f"{soak['shipments']:,} shipments shipped. Resident memory (RSS, all processes of the group): web "
            f"{_fmt(start['web_mib'], 0)} → {_fmt(end['web_mib'], 0)} MiB (peak {_fmt(peak['web_mib'], 0)}), Celery "
            f"workers {_fmt(start['worker_mib'], 0)} → {_fmt(end['worker_mib'], 0)} MiB (peak "
            f"{_fmt(peak['worker_mib'], 0)}); sampled every 10 s: "
            + ", ".join(
                f"{_fmt(s['t_s'], 0)} s {_fmt(s['web_mib'], 0)}/{_fmt(s['worker_mib'], 0)}"
                for s in soak.get("rss_samples", [])[:: max(1, len(soak.get("rss_samples", [])) // 12)]
            )
            + " (web/workers MiB).",
        ]
    else:
        out.append(f"Not available: {soak.get('reason', 'not run')}")
    return out


def write(results: dict[str, Any], directory: Path = RESULTS_DIR) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "latest.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
    text = markdown(results)
    (directory / "latest.md").write_text(text)
    return text


README = RESULTS_DIR.parent.parent / "README.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def update_readme(results: dict[str, Any], readme: Path = README) -> bool:
    """Put the summary table and the machine of ``results`` between the markers in README.md."""
    text = readme.read_text()
    if BEGIN not in text or END not in text:
        return False
    m = results.get("machine", {})
    block = "\n".join(
        [
            BEGIN,
            f"Latest run: {results.get('generated_at', '')} on {m.get('nproc')} CPU cores ({m.get('cpu_model')}), "
            f"{m.get('memory_gib')} GiB RAM, PostgreSQL {m.get('postgresql')}, Python {m.get('python')}, "
            "shared with other work"
            + (f" (load average {m['load_average'][0]} → {m['load_average'][1]})" if m.get("load_average") else "")
            + f"; `make bench` took {_fmt(results.get('duration_s'), 0)} s "
            f"({results.get('load', {}).get('note', '')}). Details, the causes of missed aims and the query "
            "plans: [bench/results/latest.md](bench/results/latest.md).",
            "",
            summary_table(results),
            END,
        ]
    )
    head, rest = text.split(BEGIN, 1)
    _old, tail = rest.split(END, 1)
    readme.write_text(head + block + tail)
    return True


if __name__ == "__main__":
    # ``python -m bench.report``: rewrite latest.md and the README table from latest.json.
    data = json.loads((RESULTS_DIR / "latest.json").read_text())
    (RESULTS_DIR / "latest.md").write_text(markdown(data))
    print("README updated" if update_readme(data) else "README has no bench markers")
