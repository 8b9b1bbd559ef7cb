"""The pick-scan, invoice PDF, numbering and soak parts of ``make bench`` run end to end on a tiny
data set in the test database (real Celery workers and gunicorn against it), so the harness
cannot rot: each part answers with figures, no errors, and its rows in the summary table."""

from __future__ import annotations

import io
import os

import pytest
from django.core.management import call_command
from django.db import connection

from bench import billing, fulfillment, report, soak
from bench.common import TEST_SECRET_KEY, with_db_name

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bench_process(settings, monkeypatch):
    """The test process as ``bench.run`` makes its Django process: the reference page's URLconf,
    tasks handed to workers (not run eagerly), and the tiny volumes of this test."""
    from oms.celery import app

    call_command("generate_load", orders=150, customers=40, products=60, no_progress=True, stdout=io.StringIO())
    settings.ROOT_URLCONF = "bench.ref_urls"
    # The sessions the soak hands to gunicorn are signed with the benchmark processes' key.
    settings.SECRET_KEY = TEST_SECRET_KEY
    saved = app.conf.task_always_eager
    app.conf.task_always_eager = False
    monkeypatch.setattr(fulfillment, "SCAN_ORDERS", 3)
    monkeypatch.setattr(billing, "INVOICES", 2)
    monkeypatch.setattr(billing, "NUMBERING_INVOICES", 32)
    monkeypatch.setenv("BENCH_SOAK_SECONDS", "5")
    monkeypatch.setenv("BENCH_GUNICORN_WORKERS", "1")
    yield {
        "bench_url": with_db_name(os.environ["DATABASE_URL"], connection.settings_dict["NAME"]),
        "redis_url": os.environ["REDIS_URL"],
        "repeats": 1,
        "log": lambda message: None,
        "results": {},
    }
    app.conf.task_always_eager = saved


def test_the_scan_invoice_numbering_and_soak_parts_measure_without_errors(bench_process):
    results = {"fulfillment": {"available": True}}
    results["fulfillment"]["scans"] = scans = fulfillment.scan_round_trip(log=bench_process["log"])
    assert scans["scans"] >= 3 and scans["errors"] == 0 and scans["pick_list_state"] == "completed"
    assert scans["p95_ms"] > 0 and scans["ratio"] > 0

    results["invoices"] = billing.invoice_pdfs(**bench_process)
    assert results["invoices"]["invoices"] == 2 and results["invoices"]["pdfs_per_s"] > 0
    assert results["invoices"]["bare_per_s"] > 0 and results["invoices"]["aim_ratio"] > 0

    results["numbering"] = numbering = billing.numbering(**bench_process)
    assert numbering["invoices"] == 32 and numbering["passed"], numbering
    assert numbering["counter_after"] - numbering["counter_before"] == 32

    results["soak"] = soaked = soak.soak(**bench_process)
    kinds = {k["kind"]: k for k in soaked["kinds"]}
    assert soaked["errors"] == 0, [(k["kind"], k["first_error"]) for k in soaked["kinds"] if k["errors"]]
    for kind in ("API intake", "portal lookup", "report view", "pick scan"):
        assert kinds[kind]["ops"] > 0, kind
    assert soaked["rss_start"]["web_mib"] > 0 and soaked["rss_end"]["worker_mib"] > 0

    rows = {row[0]: row for row in report.summary_rows(results)}
    assert rows["Gapless invoice numbering, 16 concurrent issuers"][5] == "**PASS**"
    assert any(name.startswith("Pick screen scan round trip") for name in rows)
    assert any(name.startswith("Invoice PDFs, 2 Celery workers") for name in rows)
    assert any(name.startswith("Soak") and name.endswith("report view") for name in rows)
    assert "### Mixed-load soak" in report.markdown(results)


def test_the_table_shows_the_total_time_against_thirty_minutes_and_a_failed_numbering_check():
    results = {
        "duration_s": 1500.0,
        "load": {"note": "cached: the data set of 2026-12-01"},
        "numbering": {
            "available": True,
            "issuers": 16,
            "invoices": 320,
            "invoices_per_s": 9.0,
            "single_per_s": 10.0,
            "duplicates": 1,
            "gaps": 1,
            "errors": 0,
            "series_count": 320,
            "series_distinct": 319,
            "counter_after": 320,
            "passed": False,
        },
    }
    rows = {row[0]: row for row in report.summary_rows(results)}
    assert rows["make bench, end to end"][1] == "25.0 min" and rows["make bench, end to end"][5] == "yes"
    assert rows["Gapless invoice numbering, 16 concurrent issuers"][5] == "**FAIL**"
    assert rows["Gapless invoice numbering, 16 concurrent issuers"][3] == "0.90"
    results["duration_s"] = 1900.0
    assert {row[0]: row for row in report.summary_rows(results)}["make bench, end to end"][5] == "**no**"
    results["soak"] = {"available": False, "reason": "skipped (BENCH_SKIP)"}
    total = {row[0]: row for row in report.summary_rows(results)}["make bench, end to end"]
    assert "skipped: soak" in total[1] and total[5] == "-"
