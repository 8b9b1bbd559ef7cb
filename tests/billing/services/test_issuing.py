"""Issuing: an invoice per shipped shipment (shipping on the first, the rest on the last), the
channel that invoices at confirmation, gapless numbers, VAT by destination and the sweep."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine

from billing.models import ChannelBilling, Invoice, InvoiceState, IssueOn, LineKind, SellerProfile, TaxTreatment
from billing.sellers import seller_profile
from billing.services.issuing import issue_invoice_for_order, issue_invoice_for_shipment, sweep_uninvoiced
from orders.models import OrderEvent
from tests.billing.flows import place, ship

pytestmark = pytest.mark.django_db

D = Decimal
NOW = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _sum_rows(invoices):
    rows: dict[str, list[Decimal]] = {}
    for invoice in invoices:
        for row in invoice.vat_rows.all():
            acc = rows.setdefault(str(row.vat_rate), [D(0), D(0), D(0)])
            acc[0] += row.net
            acc[1] += row.vat
            acc[2] += row.gross
    return {rate: {"net": str(n), "vat": str(v), "gross": str(g)} for rate, (n, v, g) in rows.items()}


def test_two_shipments_give_two_invoices_that_add_up_to_the_order_to_the_cent():
    order = place(
        {"MUG-1": (3, "9.99", "1.00"), "BOOK-1": (2, "14.95")},
        shipping="4.90",
        discount="3.33",
        vat_rates={"BOOK-1": "7.00"},
    )
    first_shipment = ship(order, {"MUG-1": 1, "BOOK-1": 1})
    first = issue_invoice_for_shipment(shipment_id=first_shipment.pk)
    second_shipment = ship(order, {"MUG-1": 2, "BOOK-1": 1})
    second = issue_invoice_for_shipment(shipment_id=second_shipment.pk)
    order.refresh_from_db()

    assert (first.number, second.number) == ("RE-2026-000001", "RE-2026-000002")
    assert first.shipping_total == D("4.90") and second.shipping_total == D("0.00")
    assert not first.is_final and second.is_final
    assert first.total + second.total == order.total
    assert first.discount_total + second.discount_total == order.discount_total
    assert _sum_rows([first, second]) == order.vat_breakdown
    assert [(ln.sku, ln.quantity) for ln in first.lines.all()] == [("MUG-1", 1), ("BOOK-1", 1)]
    assert sum(ln.line_total for ln in first.lines.all()) + sum(ln.line_total for ln in second.lines.all()) == (
        order.subtotal
    )
    for invoice in (first, second):
        rows = list(invoice.vat_rows.all())
        assert sum(r.gross for r in rows) == invoice.total
        assert sum(r.vat for r in rows) == invoice.vat_total
        assert invoice.state == InvoiceState.ISSUED and invoice.amount_due == invoice.total
        assert invoice.delivery_date == datetime.date(2026, 12, 7)
        assert invoice.due_date == datetime.date(2026, 12, 21)  # 14 days (seller profile default)
        assert invoice.seller["vat_id"] == "DE123456789"
    order.refresh_from_db()
    assert "re-2026-000001" in order.search_text
    assert OrderEvent.objects.filter(order=order, kind="invoice", data__number="RE-2026-000002").exists()
    # The same shipment again: the invoice it has.
    assert issue_invoice_for_shipment(shipment_id=first_shipment.pk) == first
    assert Invoice.objects.count() == 2


def test_the_shipped_event_issues_the_invoice_after_commit(django_capture_on_commit_callbacks):
    order = place({"MUG-1": (1, "19.99")})
    with django_capture_on_commit_callbacks(execute=True):
        shipment = ship(order, {"MUG-1": 1})
    invoice = Invoice.objects.get(shipment=shipment)
    assert invoice.total == D("24.89") and invoice.is_final


def test_the_sweep_issues_the_invoice_of_a_shipment_whose_event_was_lost(django_capture_on_commit_callbacks):
    order = place({"MUG-1": (2, "19.99")})
    with django_capture_on_commit_callbacks(execute=False):  # the subscriber never runs
        shipment = ship(order, {"MUG-1": 2})
    assert not Invoice.objects.exists()

    assert sweep_uninvoiced() == 1
    assert Invoice.objects.get(shipment=shipment).total == D("44.88")
    assert sweep_uninvoiced() == 0


def test_a_channel_that_invoices_at_confirmation_invoices_the_whole_order_once():
    order = place({"MUG-1": (2, "19.99")}, channel_code="b2b")
    ChannelBilling.objects.create(channel=order.channel, issue_on=IssueOn.CONFIRMATION, payment_terms_days=30)
    invoice = issue_invoice_for_order(order_id=order.pk)
    assert invoice.total == order.total and invoice.is_final
    assert invoice.due_date == datetime.date(2027, 1, 6)
    shipment = ship(order, {"MUG-1": 2})
    assert issue_invoice_for_shipment(shipment_id=shipment.pk) is None
    assert sweep_uninvoiced() == 0
    assert Invoice.objects.count() == 1


def test_paid_at_checkout_is_due_at_once_and_shows_as_paid():
    order = place({"MUG-1": (1, "19.99")}, payment_method="card")  # intake records the capture
    invoice = issue_invoice_for_shipment(shipment_id=ship(order, {"MUG-1": 1}).pk)
    assert invoice.due_date == invoice.invoice_date
    assert (invoice.state, invoice.amount_paid, invoice.amount_due) == (InvoiceState.PAID, order.total, D("0.00"))


def test_a_business_in_another_eu_country_gets_a_reverse_charge_invoice_without_vat():
    order = place({"MUG-1": (2, "50.00")}, country="AT", company="Muster GmbH", vat_id="ATU12345678")
    invoice = issue_invoice_for_shipment(shipment_id=ship(order, {"MUG-1": 2}).pk)
    assert invoice.tax_treatment == TaxTreatment.REVERSE_CHARGE
    assert invoice.buyer_vat_id == "ATU12345678"
    assert invoice.vat_total == D("0.00") and [r.vat_rate for r in invoice.vat_rows.all()] == [D("0.00")]
    assert "§ 4 No. 1b, § 6a UStG" in invoice.legal_note or "§ 4 Nr. 1b, § 6a UStG" in invoice.legal_note


def test_an_export_outside_the_eu_is_tax_free_with_the_export_note():
    order = place({"MUG-1": (1, "50.00")}, country="CH")
    invoice = issue_invoice_for_shipment(shipment_id=ship(order, {"MUG-1": 1}).pk)
    assert invoice.tax_treatment == TaxTreatment.EXPORT and invoice.vat_total == D("0.00")
    assert "§ 6 UStG" in invoice.legal_note


def test_consumers_abroad_pay_german_vat_below_the_oss_threshold_and_their_own_above_it():
    below = place({"MUG-1": (1, "119.00")}, country="AT", shipping="0.00")
    first = issue_invoice_for_shipment(shipment_id=ship(below, {"MUG-1": 1}).pk)
    assert (first.tax_treatment, first.vat_country, first.vat_total) == (TaxTreatment.DOMESTIC, "DE", D("19.00"))

    profile = seller_profile()
    profile.oss_threshold = D("50.00")
    profile.save()
    assert SellerProfile.objects.count() == 1
    above = place({"MUG-1": (1, "120.00")}, country="AT", shipping="0.00")
    second = issue_invoice_for_shipment(shipment_id=ship(above, {"MUG-1": 1}).pk)
    assert (second.tax_treatment, second.vat_country) == (TaxTreatment.DESTINATION, "AT")
    assert second.total == D("120.00") and second.vat_total == D("20.00")  # Austria: 20 %
    assert [ln.vat_rate for ln in second.lines.filter(kind=LineKind.PRODUCT)] == [D("20.00")]
