"""The dashboard's figures against a hand computation, to the cent and the second, its bad-input
answers, the drill-down to the orders behind a number, and the CSV of each table.

The seeded orders (Berlin time; warehouse cut-off 14:00; 19 % VAT in gross prices; 4.90 shipping):
- A (web) placed Mon 2 March 09:00, confirmed 09:30, released 11:00, picked 11:45, shipped 13:10,
  delivered 3 March 10:00; 2 x 59.50 → 123.90 gross, 104.12 net.
- B (market) placed 2 March 10:00 on invoice (confirmed when placed), released 12:00, picked 12:30,
  shipped 15:30, after the cut-off; 1 x 19.99 → 24.89 gross, 20.92 net.
- C (web) placed 3 March 08:00 on invoice, cancelled 09:00.
- D (web) placed Sun 29 March 01:30, confirmed 03:30 (the clocks jump 02:00 → 03:00 in between:
  one real hour), allocated then, still open; promised to ship Mon 30 March.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from orders.models import Order
from orders.services.cancellation import cancel_order
from reporting.selectors.filters import ReportFilters
from reporting.selectors.operations import bottleneck_report, lead_time_report
from reporting.selectors.sales import geography, sales_report
from reporting.services.rollups import rebuild_rollups
from tests.reporting.world import at, channel, order_with_history

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

MARCH = {"date_from": "2026-03-01", "date_to": "2026-03-31"}


@pytest.fixture
def seeded():
    web, market = channel("web"), channel("market")
    a = order_with_history(
        {
            "placed": "2026-03-02 09:00",
            "confirmed": "2026-03-02 09:30",
            "released": "2026-03-02 11:00",
            "picked": "2026-03-02 11:45",
            "shipped": "2026-03-02 13:10",
            "delivered": "2026-03-03 10:00",
        },
        shop=web,
        quantity=2,
        price="59.50",
    )
    b = order_with_history(
        {
            "placed": "2026-03-02 10:00",
            "released": "2026-03-02 12:00",
            "picked": "2026-03-02 12:30",
            "shipped": "2026-03-02 15:30",
        },
        shop=market,
    )
    c = order_with_history({"placed": "2026-03-03 08:00"}, shop=web)
    with time_machine.travel(at("2026-03-03 09:00"), tick=False):
        cancel_order(order=Order.objects.get(pk=c.pk), reason="customer")
    d = order_with_history({"placed": "2026-03-29 01:30", "confirmed": "2026-03-29 03:30"}, shop=web)
    with time_machine.travel(at("2026-03-30 12:00"), tick=False):
        rebuild_rollups()
    return {"a": a, "b": b, "c": c, "d": d}


def march(**kwargs) -> ReportFilters:
    return ReportFilters(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31), **kwargs)


def test_sales_figures_to_the_cent(seeded):
    report = sales_report(march())
    total = report.total
    assert (total.orders, total.cancelled, total.units) == (3, 1, 4)
    assert total.gross == Decimal("173.68")  # 123.90 + 24.89 + 24.89
    assert total.net == Decimal("145.96")  # 104.12 + 20.92 + 20.92
    assert total.aov == Decimal("57.89")  # 173.68 / 3 = 57.893
    assert report.previous.orders == 0  # 29 Jan - 28 Feb
    mix = {c.channel.code: (c.figures.orders, c.share, c.figures.gross) for c in report.channels}
    assert mix == {"web": (2, Decimal("66.7"), Decimal("148.79")), "market": (1, Decimal("33.3"), Decimal("24.89"))}
    by_day = {row.start: row.figures.orders for row in report.rows if row.figures.orders or row.figures.cancelled}
    assert by_day == {datetime.date(2026, 3, 2): 2, datetime.date(2026, 3, 3): 0, datetime.date(2026, 3, 29): 1}
    weeks = sales_report(march(grain="week"))
    assert [(r.start, r.figures.orders) for r in weeks.rows if r.figures.orders] == [
        (datetime.date(2026, 3, 2), 2),
        (datetime.date(2026, 3, 23), 1),
    ]
    assert sales_report(march(channel=seeded["b"].channel)).total.gross == Decimal("24.89")
    top = report.products[0]
    assert (top.units, top.revenue) == (2, Decimal("119.00"))


def test_lead_times_to_the_second_including_the_change_to_summer_time(seeded):
    with time_machine.travel(at("2026-03-30 12:00"), tick=False):
        from django.utils import timezone

        report = lead_time_report(march(), now=timezone.now())
    stages = {s.key: (s.median, s.p90, s.count) for s in report.stages}
    # placed → confirmed: A 1800 s, B 0 s, D 3600 s (01:30 → 03:30 on 29 March is one real hour).
    assert stages["to_confirm"] == (1800.0, 3240.0, 3)
    # placed → shipped: A 4 h 10 min = 15000 s, B 5 h 30 min = 19800 s.
    assert stages["placed_to_shipped"] == (17400.0, 19320.0, 2)
    assert stages["to_pick"] == (2250.0, 2610.0, 2)  # A 45 min, B 30 min
    assert stages["placed_to_delivered"] == (90000.0, 90000.0, 1)
    assert (report.on_time.part, report.on_time.whole) == (2, 2)
    assert (report.before_cutoff.part, report.before_cutoff.whole, report.before_cutoff.percent) == (
        1,
        2,
        Decimal("50.0"),
    )
    assert (report.at_risk.due_today, report.at_risk.overdue) == (1, 0)
    with time_machine.travel(at("2026-03-31 08:00"), tick=False):
        later = lead_time_report(march(), now=timezone.now())
    assert (later.at_risk.due_today, later.at_risk.overdue) == (0, 1)


def test_bottlenecks_time_in_state_backlog_ages_and_throughput(seeded):
    now = at("2026-03-30 12:00")
    report = bottleneck_report(march(), now=now)
    states = {s.key: (s.median, s.p90, s.count) for s in report.states}
    # pending: A 1800, B 0, C 0, D 3600 seconds.
    assert states["pending"] == (900.0, 3060.0, 4)
    # D has been allocated since 29 March 03:30: 1 day 8.5 hours.
    (row,) = report.backlog
    assert (row.state, dict(row.buckets)) == ("allocated", {"lt4h": 0, "4h1d": 0, "1d3d": 1, "gt3d": 0})
    assert [(t.day, t.picked, t.shipped) for t in report.throughput] == [(datetime.date(2026, 3, 2), 2, 2)]


def test_geography_per_country(seeded):
    (germany,) = geography(march())
    assert (germany.country, germany.figures.orders, germany.figures.gross) == ("DE", 3, Decimal("173.68"))
    assert germany.median_lead_seconds == 17400.0


def test_dashboard_page_shows_the_figures_with_definitions_and_charts(manager_client, seeded):
    with time_machine.travel(at("2026-03-30 12:00"), tick=True):
        response = manager_client.get(reverse("reporting:dashboard"), MARCH)
    assert response.status_code == 200
    html = response.content.decode()
    assert "173,68" in html or "173.68" in html
    assert 'hx-trigger="every 60s"' in html
    assert "<svg" in html and 'class="bar"' in html
    assert "style=" not in html.split("<main", 1)[-1] or "<script>" not in html
    assert "Orders placed in the range" in html or "Bestellungen" in html


def test_drill_down_lists_the_orders_behind_a_number(manager_client, seeded):
    url = reverse("reporting:order-list")
    html = manager_client.get(url, {"measure": "orders", "placed_from": "2026-03-01", "placed_to": "2026-03-31"})
    numbers = {seeded[k].number for k in "abd"}
    page = html.content.decode()
    assert all(n in page for n in numbers) and seeded["c"].number not in page
    assert "<td>DE</td>" not in page and ("<td>Deutschland</td>" in page or "<td>Germany</td>" in page)
    late = manager_client.get(url, {"measure": "after_cutoff"}).content.decode()
    assert seeded["b"].number in late and seeded["a"].number not in late
    with time_machine.travel(at("2026-03-30 12:00"), tick=True):
        risky = manager_client.get(url, {"measure": "at_risk"}).content.decode()
    assert seeded["d"].number in risky and seeded["a"].number not in risky
    backlog = manager_client.get(url, {"measure": "backlog", "state": "allocated"}).content.decode()
    assert seeded["d"].number in backlog


def test_each_table_downloads_as_a_streamed_csv(manager_client, seeded):
    response = manager_client.get(reverse("reporting:dashboard-csv", args=["lead-times"]), MARCH)
    assert response.status_code == 200 and response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "17400;19320;2" in text
    sales = b"".join(
        manager_client.get(reverse("reporting:dashboard-csv", args=["sales"]), MARCH).streaming_content
    ).decode("utf-8-sig")
    assert "2026-03-02;2026-03-02;2;0;3;148,79;125,04;74,40" in sales
    assert manager_client.get(reverse("reporting:dashboard-csv", args=["nothing"])).status_code == 404


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"date_from": "yesterday"}, "This filter is ignored"),
        ({"channel": "no-such-channel"}, "This filter is ignored"),
        ({"date_from": "2026-03-31", "date_to": "2026-03-01"}, "swapped"),
        ({"date_from": "1900-01-01", "date_to": "2026-03-31"}, "731"),
        ({"date_from": "0001-01-01", "date_to": "9999-12-31"}, "moved inside"),
    ],
)
def test_bad_filters_get_a_clear_message_not_an_error(manager_client, params, message):
    response = manager_client.get(reverse("reporting:dashboard"), params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert message in response.content.decode()


def test_support_agents_do_not_see_the_dashboard(support_client):
    assert Client().get(reverse("reporting:dashboard")).status_code == 302
    assert support_client.get(reverse("reporting:dashboard")).status_code == 403
    assert support_client.get(reverse("reporting:order-list")).status_code == 403


def _statements(client, params) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("reporting:dashboard"), params).status_code == 200
    return len(queries)


def test_the_dashboard_reads_the_same_number_of_statements_however_much_data_there_is(manager_client, seeded):
    with time_machine.travel(at("2026-03-30 12:00"), tick=True):
        before = _statements(manager_client, MARCH)
    # More orders, channels, countries, products, days and states than before.
    for n, country in enumerate(["AT", "FR", "AT", "DE", "FR"]):
        times = {"placed": f"2026-03-{10 + n:02d} 09:00", "released": f"2026-03-{10 + n:02d} 10:00"}
        if n % 2:
            times |= {"picked": f"2026-03-{10 + n:02d} 10:30", "shipped": f"2026-03-{10 + n:02d} 11:00"}
        order_with_history(times, shop=channel(f"shop{n % 3}"), country=country, quantity=n + 1)
    with time_machine.travel(at("2026-03-30 12:00"), tick=False):
        rebuild_rollups()
    with time_machine.travel(at("2026-03-30 12:00"), tick=True):
        after = _statements(manager_client, MARCH)
    assert after == before
