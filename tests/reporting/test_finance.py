"""Finance against a hand computation: invoiced, credited and paid per period and channel from
billing's documents, kept current past the watermark, and the open receivables with their
ageing on a day the test names.

The orders of ``test_returns`` (X 153.70, Y 93.90, Z 34.80, paid by card when placed and
invoiced when shipped on 28 February; R1 credited and refunded 29.90 on 9 March) and W, placed
on invoice terms on 9 March 12:30 (after the last refresh), 1 JEANS, 89.00 + 4.90 = 93.90,
shipped and invoiced at once, unpaid.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from billing.models import Invoice
from billing.services.issuing import issue_invoice_for_shipment
from reporting.selectors.filters import ReportFilters
from reporting.selectors.finance import finance_report
from reporting.services.rollups import rebuild_rollups, refresh_rollups
from tests.billing.flows import place, ship
from tests.reporting.test_returns import RANGE, seeded  # noqa: F401 (the fixture)
from tests.reporting.world import at, snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def billed(seeded):  # noqa: F811
    with time_machine.travel(at("2026-03-09 12:30"), tick=False):
        w = place({"JEANS": (1, "89.00")}, payment_method="invoice")
        issue_invoice_for_shipment(shipment_id=ship(w, {"JEANS": 1}).pk)
    with time_machine.travel(at("2026-03-09 13:00"), tick=False):
        while refresh_rollups().more:
            pass
    return {**seeded, "w": w, "invoice": Invoice.objects.get(order=w)}


def _filters(**kwargs) -> ReportFilters:
    return ReportFilters(start=datetime.date(2026, 2, 1), end=datetime.date(2026, 3, 31), **kwargs)


def test_invoiced_credited_paid_and_receivables_to_the_cent(billed):
    due = billed["invoice"].due_date
    report = finance_report(_filters(), today=due + datetime.timedelta(days=40))
    total = report.total
    assert (total.invoices, total.invoiced) == (4, Decimal("376.30"))  # 153.70 + 93.90 + 34.80 + 93.90
    assert (total.credit_notes, total.credited) == (1, Decimal("29.90"))
    assert total.paid == Decimal("252.50")  # 282.40 captured by card, 29.90 paid back
    by_period = {r.start: (r.figures.invoiced, r.figures.credited, r.figures.paid) for r in report.rows}
    assert by_period[datetime.date(2026, 2, 28)] == (Decimal("282.40"), Decimal("0.00"), Decimal("282.40"))
    assert by_period[datetime.date(2026, 3, 9)] == (Decimal("93.90"), Decimal("29.90"), Decimal("-29.90"))
    assert [(c.channel.code, c.figures.invoiced) for c in report.channels] == [("web", Decimal("376.30"))]
    assert (report.open_total, report.open_invoices) == (Decimal("93.90"), 1)
    assert (report.overdue, report.overdue_invoices) == (Decimal("93.90"), 1)
    assert {a.code: (a.invoices, a.amount) for a in report.ageing if a.invoices} == {"31_60": (1, Decimal("93.90"))}
    on_due_day = finance_report(_filters(), today=due)
    assert on_due_day.overdue == Decimal("0.00")
    assert {a.code for a in on_due_day.ageing if a.invoices} == {"0_30"}
    march = finance_report(
        ReportFilters(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31)), today=due
    ).total
    assert (march.invoiced, march.credited, march.paid) == (Decimal("93.90"), Decimal("29.90"), Decimal("-29.90"))


def test_the_finance_sums_kept_past_the_watermark_equal_a_rebuild(billed):
    from reporting.models import DailyFinance

    incremental = sorted(DailyFinance.objects.values_list("day", "invoices", "invoiced", "credited", "paid"))
    before = snapshot()
    with time_machine.travel(at("2026-03-09 13:00"), tick=False):
        rebuild_rollups()
    assert sorted(DailyFinance.objects.values_list("day", "invoices", "invoiced", "credited", "paid")) == incremental
    assert snapshot() == before


def test_finance_section_links_the_receivables_and_downloads_csv(manager_client, billed):
    with time_machine.travel(at("2026-03-10 09:00"), tick=True):
        html = manager_client.get(reverse("reporting:dashboard"), RANGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        ageing = manager_client.get(
            reverse("reporting:dashboard-csv", args=["ageing"]), RANGE, HTTP_ACCEPT_LANGUAGE="en"
        )
        rows = b"".join(ageing.streaming_content).decode("utf-8-sig").splitlines()
    assert "Finance" in html and "Invoices issued with an invoice date in the range" in html
    assert reverse("billing:support-receivables") + "?&amp;bucket=" in html
    assert rows[0] == "Age;Invoices;Still due" and len(rows) == 6
    response = manager_client.get(reverse("reporting:dashboard-csv", args=["finance"]), RANGE)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "2026-02-28;2026-02-28;3;282,40;0;0,00;282,40" in text
