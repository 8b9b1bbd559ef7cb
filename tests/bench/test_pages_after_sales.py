"""``make bench``'s after-sales pages part on a tiny data set: it finds or makes its orders and
returns through the services, rebuilds the rollups, opens every page, and its rows and report
section come out (so the harness cannot rot between the long runs)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.time_machine(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=datetime.UTC)),
]


@pytest.fixture
def bench_process(settings, monkeypatch):
    """Settings of the benchmark process, one request per page instead of 15."""
    from bench import pages

    settings.ROOT_URLCONF = "bench.ref_urls"
    monkeypatch.setattr(pages, "SAMPLES", 1)
    monkeypatch.setattr(pages, "WARMUP", 0)


def test_the_part_measures_every_page_and_the_panels_cost_the_same_queries_for_one_or_several(bench_process):
    from bench import report
    from bench.pages_after_sales import after_sales
    from orders.models import Order
    from orders.services.numbering import clear_number_block

    call_command("generate_load", orders=300, customers=80, products=60, no_progress=True, stdout=io.StringIO())
    # Numbers this process drew for an earlier test's orders may be the loaded orders' numbers now
    # (the load writes its own series): the orders the part makes draw a fresh block, as the
    # benchmark's own process, started after the load, does.
    clear_number_block()

    out = after_sales(bench_url="", redis_url="", repeats=1, log=lambda _m: None, results={})

    sample = out["sample"]  # from the load where it has returns, else made through the services
    assert min(sample["counts"][sample["several"]].values()) >= 2
    assert sample["counts"][sample["single"]] == {"shipments": 1, "invoices": 1, "returns": 1}
    broken = [(r["page"], r.get("reason")) for r in out["rows"] if not r["available"]]
    assert not broken
    keys = {r["key"] for r in out["rows"]}
    assert {"portal_lookup", "dashboard", "drill_all", "receiving_lines", "support_order_several"} <= keys
    lookup = next(r for r in out["rows"] if r["key"] == "portal_lookup")
    assert lookup["queries"] > 1  # the lookup found the order and the order page was followed
    assert out["rollups"]["orders"] == Order.objects.count() and out["rollups"]["cached"] is False
    assert [c["ok"] for c in out["checks"]] == [True, True, True], out["checks"]

    rows = report.summary_rows({"after_sales_pages": out})
    assert any(row[0].startswith("Rollup rebuild") for row in rows)
    assert any(row[0] == "Page: Portal: lookup by number + e-mail, on to the order page" for row in rows)
    assert "Pages after the sale" in report.markdown({"after_sales_pages": out})

    # A second run finds what the first one made, and the rollups that cover the data set.
    again = after_sales(bench_url="", redis_url="", repeats=1, log=lambda _m: None, results={})
    assert again["sample"]["several"] == sample["several"] and again["rollups"]["cached"] is True
