"""``make bench``: load data, intake through HTTP vs raw SQL, oversell, pages, CSV import,
fulfillment (wave building for 1,000 orders, the pick screen's scan, label PDFs with two workers vs
bare WeasyPrint), the pages after the sale (portal, reports and the rollup rebuild, return
receiving, the support order page with its panels), invoices (invoice PDFs with two workers vs
bare WeasyPrint), numbering (gapless invoice numbers under 16 concurrent issuers) and soak
(10 minutes of mixed load).

Needs ``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL``. Works in its own database
(``oms_benchdata`` beside the one ``DATABASE_URL`` names, or ``BENCH_DB_NAME``), which it creates,
migrates and fills once (``generate_load`` caches). Each part adapts to what exists: a piece not
built yet is reported as "not available yet" instead of failing the run.

Knobs (environment): BENCH_ORDERS (1,000,000), BENCH_SECONDS per load run (3), BENCH_REPEATS (3),
BENCH_LEVELS ("1,4,16"), BENCH_IMPORT_ROWS (100,000 CSV rows in all), BENCH_IMPORT_WORKERS (3),
BENCH_GUNICORN_WORKERS (2 x cores), BENCH_GUNICORN_THREADS (1), BENCH_LABELS (40),
BENCH_SCAN_ORDERS (40), BENCH_INVOICES (40), BENCH_NUMBERING_INVOICES (320), BENCH_ISSUERS (16),
BENCH_SOAK_SECONDS (600), BENCH_SKIP (part names, e.g. "pages,import,soak": run a subset; the parts
are intake, oversell, pages, import, fulfillment, after_sales_pages, invoices, numbering, soak),
BENCH_REBUILD_ROLLUPS (1: rebuild the report rollups even when they cover the data set),
BENCH_DB_NAME (oms_benchdata).
"""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import time
import traceback
from pathlib import Path
from typing import Any

import psycopg

from bench import report
from bench.common import (
    BENCH_DB_NAME,
    bench_env,
    db_name,
    libpq_url,
    machine_info,
    with_db_name,
)

ROOT = Path(__file__).resolve().parent.parent


def log(message: str) -> None:
    print(message, flush=True)


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def ensure_database(url: str, name: str) -> None:
    """Create database ``name`` on the server ``url`` points at (through its maintenance database)."""
    try:
        conn = psycopg.connect(libpq_url(with_db_name(url, "postgres")), autocommit=True)
    except psycopg.OperationalError:
        conn = psycopg.connect(libpq_url(url), autocommit=True)
    with conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            log(f"Created database {name}")


def manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def main() -> int:
    started = time.monotonic()
    load_at_start = os.getloadavg()[0]
    database_url = os.environ.get("DATABASE_URL", "")
    redis_url = os.environ.get("REDIS_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://", "pgsql://")):
        log("make bench needs DATABASE_URL=postgres://... (PostgreSQL), as in CI.")
        return 2
    if not redis_url:
        log("make bench needs REDIS_URL=redis://..., as in CI.")
        return 2
    bench_url = with_db_name(database_url, BENCH_DB_NAME)
    if db_name(database_url) == BENCH_DB_NAME:
        log(f"DATABASE_URL already names {BENCH_DB_NAME}; using it.")
    ensure_database(database_url, BENCH_DB_NAME)
    env = bench_env(bench_url, redis_url)
    orders = env_int("BENCH_ORDERS", 1_000_000)

    log(f"== Migrating {BENCH_DB_NAME}")
    manage("migrate", "--noinput", "-v0", env=env)
    log(f"== Load data: {orders:,} orders (cached after the first run)")
    t_load = time.monotonic()
    manage("generate_load", "--orders", str(orders), env=env)
    load_seconds = time.monotonic() - t_load
    # A database in service is vacuumed by autovacuum; freshly COPY-loaded tables are not, so
    # their visibility maps are empty and no index-only scan is possible. Quick once done.
    log("== VACUUM (ANALYZE)")
    t_vacuum = time.monotonic()
    with psycopg.connect(libpq_url(bench_url), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    log(f"  {time.monotonic() - t_vacuum:.0f} s")

    # From here on this process is a Django process on the benchmark database.
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "oms.settings"
    import django

    django.setup()
    from django.conf import settings

    settings.ROOT_URLCONF = "bench.ref_urls"
    # No collectstatic in the benchmark: plain static storage renders the same pages.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

    from bench import billing as billing_bench
    from bench import fulfillment as fulfillment_bench
    from bench import pages_after_sales, parts
    from bench import soak as soak_bench

    repeats = env_int("BENCH_REPEATS", 3)
    results: dict[str, Any] = {
        "generated_at": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "repeats": repeats,
        "notes": [],
    }
    with psycopg.connect(libpq_url(bench_url)) as conn:
        pg_version = conn.execute("SHOW server_version").fetchone()[0]
    results["machine"] = machine_info(pg_version)
    results["load"] = parts.load_summary(load_seconds)
    skip = {name.strip() for name in os.environ.get("BENCH_SKIP", "").split(",") if name.strip()}

    for name, func in (
        ("intake", parts.intake),
        ("oversell", parts.oversell),
        ("pages", parts.pages),
        ("import", parts.csv_import),
        ("fulfillment", fulfillment_bench.fulfillment),
        ("after_sales_pages", pages_after_sales.after_sales),
        ("invoices", billing_bench.invoice_pdfs),
        ("numbering", billing_bench.numbering),
        ("soak", soak_bench.soak),
    ):
        if name in skip:
            results[name] = {"available": False, "reason": "skipped (BENCH_SKIP)"}
            continue
        log(f"== {name}")
        try:
            results[name] = func(bench_url=bench_url, redis_url=redis_url, repeats=repeats, log=log, results=results)
        except parts.NotAvailable as exc:
            results[name] = {"available": False, "reason": str(exc)}
            log(f"  not available yet: {exc}")
        except Exception as exc:
            results[name] = {"available": False, "reason": f"failed: {type(exc).__name__}: {exc}"[:300]}
            log(traceback.format_exc())
    unknown = sorted(skip - results.keys())
    if unknown:
        results["notes"].append(f"BENCH_SKIP names no part: {', '.join(unknown)}")
        log(f"BENCH_SKIP names no part: {', '.join(unknown)}")
    results["duration_s"] = time.monotonic() - started
    # How busy the machine was (other work on it): 1-minute load average at the start and the end.
    results["machine"]["load_average"] = [round(load_at_start, 1), round(os.getloadavg()[0], 1)]
    text = report.write(results)
    log("")
    log(text)
    log(f"Wrote {report.RESULTS_DIR / 'latest.json'} and latest.md in {results['duration_s']:.0f} s")
    if report.update_readme(results):
        log("Updated the table in README.md (Benchmarks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
