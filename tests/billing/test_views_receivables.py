"""The receivables list: open items with their age past the due date, filtered by state, channel,
due dates and ageing bucket, totals per bucket, and the CSV export for German Excel."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.services.settlement import mark_overdue_invoices, settle_order
from oms.templatetags.oms import format_money
from tests.billing.dunning_flows import at, invoice_issued_on
from tests.billing.factories import capture

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 7)
URL = "billing:support-receivables"


@pytest.fixture
def invoices():
    """Due 14 days after issue: not due yet, 5, 45, 75 and 120 days past due; one paid."""
    made = {
        "not_due": invoice_issued_on(TODAY - datetime.timedelta(days=3)),
        "0_30": invoice_issued_on(TODAY - datetime.timedelta(days=19)),
        "31_60": invoice_issued_on(TODAY - datetime.timedelta(days=59), channel_code="b2b"),
        "61_90": invoice_issued_on(TODAY - datetime.timedelta(days=89)),
        "over_90": invoice_issued_on(TODAY - datetime.timedelta(days=134)),
        "paid": invoice_issued_on(TODAY - datetime.timedelta(days=30)),
    }
    with at(TODAY):
        capture(made["paid"].order, made["paid"].total)
        settle_order(order_id=made["paid"].order_id)
        mark_overdue_invoices()
    return made


def _page(client, **query):
    with at(TODAY):
        response = client.get(reverse(URL), query)
    assert response.status_code == 200
    return response.content.decode()


def test_the_list_shows_every_open_invoice_oldest_due_first_with_its_age_and_no_paid_one(support_client, invoices):
    page = _page(support_client)

    numbers = [invoices[k].number for k in ("over_90", "61_90", "31_60", "0_30", "not_due")]
    positions = [page.index(n) for n in numbers]
    assert positions == sorted(positions)
    assert invoices["paid"].number not in page
    assert "5 matches" in page
    assert reverse("orders:support-order-detail", args=[invoices["0_30"].order.number]) in page
    # 5 x 44.88 open (2 x 19.99 + 4.90 shipping)
    assert f"Still due: {format_money(Decimal('224.40'), 'EUR')}" in page


@pytest.mark.parametrize("bucket", ["not_due", "0_30", "31_60", "61_90", "over_90"])
def test_an_ageing_bucket_shows_only_its_invoices(support_client, invoices, bucket):
    page = _page(support_client, bucket=bucket)

    assert invoices[bucket].number in page
    others = [inv.number for key, inv in invoices.items() if key != bucket]
    assert not any(number in page for number in others)
    assert "1 match" in page


def test_state_channel_and_due_date_filters_narrow_the_list(support_client, invoices):
    overdue = _page(support_client, state="overdue")
    assert invoices["not_due"].number not in overdue and invoices["over_90"].number in overdue

    b2b = _page(support_client, channel="b2b")
    assert invoices["31_60"].number in b2b and invoices["0_30"].number not in b2b

    due = invoices["61_90"].due_date
    window = _page(support_client, due_from=due.isoformat(), due_to=due.isoformat())
    assert invoices["61_90"].number in window and "1 match" in window


def test_totals_are_the_open_amounts_in_all_and_per_bucket(invoices):
    from billing.views.receivables import RECEIVABLES_LIST

    with at(TODAY):
        qs = RECEIVABLES_LIST.queryset(RECEIVABLES_LIST.default_filters())
        totals = dict(RECEIVABLES_LIST.compute_totals(qs))
    assert invoices["0_30"].amount_due == Decimal("44.88")
    labels = {str(label): values for label, values in totals.items()}
    assert labels["Still due"] == [format_money(Decimal("224.40"), "EUR")]
    for label in ("not yet due", "0-30 days", "31-60 days", "61-90 days", "over 90 days"):
        assert labels[label] == [format_money(Decimal("44.88"), "EUR")], label


def test_a_filter_that_does_not_parse_is_named_and_ignored(support_client, invoices):
    page = _page(support_client, bucket="zz", due_from="2026-02-30")
    assert "This filter is ignored" in page
    assert "5 matches" in page


def test_the_csv_export_holds_exactly_the_filtered_rows_for_german_excel(support_client, invoices):
    with at(TODAY):
        response = support_client.get(reverse("billing:support-receivables-export"), {"bucket": "61_90"})
        body = b"".join(response.streaming_content).decode("utf-8")

    assert response["Content-Type"].startswith("text/csv")
    assert body.startswith("\ufeff")
    _header, row, *rest = [line for line in body.splitlines() if line]
    assert rest == []
    cells = row.split(";")
    assert invoices["61_90"].number in cells
    assert "44,88" in cells  # decimal comma
    assert "75" in cells  # days past due
    assert invoices["61_90"].due_date.strftime("%d.%m.%Y") in cells


def test_warehouse_staff_may_not_see_receivables(warehouse_client):
    assert warehouse_client.get(reverse(URL)).status_code == 403
