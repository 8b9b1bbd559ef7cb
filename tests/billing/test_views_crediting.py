"""Support's credit note screen: a price correction or goodwill on one invoice, by units, shipping
or an amount; never more than invoiced minus credited; the same form sent twice credits once."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import CreditNote, Invoice
from tests.billing.dunning_flows import at, invoice_issued_on

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 12, 7)


@pytest.fixture
def invoice():
    return invoice_issued_on(DAY)  # 2 x 19.99 + 4.90 = 44.88


def _url(invoice: Invoice) -> str:
    return reverse("billing:support-invoice-credit", args=[invoice.number])


def _post(client, invoice: Invoice, **data):
    with at(DAY):
        return client.post(_url(invoice), {f"credit-{k}": v for k, v in data.items()})


def test_support_credits_goodwill_and_the_order_page_shows_the_credit_note(support_client, invoice):
    page = support_client.get(_url(invoice)).content.decode()
    assert 'name="credit-amount"' in page and "44.88" in page.replace(",", ".")

    response = _post(
        support_client, invoice, reason="goodwill", reason_text="Lieferung verspätet", amount="5,00", token="t1"
    )

    assert response.status_code == 302
    note = CreditNote.objects.get()
    assert note.total == Decimal("5.00") and note.reason == "goodwill" and note.reason_text == "Lieferung verspätet"
    invoice.refresh_from_db()
    assert invoice.amount_credited == Decimal("5.00") and invoice.amount_due == Decimal("39.88")
    with at(DAY):
        order_page = support_client.get(response["Location"]).content.decode()
    assert note.number in order_page


def test_the_same_form_sent_twice_credits_once(support_client, invoice):
    for _ in range(2):
        _post(support_client, invoice, reason="price_correction", reason_text="Kratzer", amount="3,00", token="same")
    assert CreditNote.objects.count() == 1


def test_units_and_shipping_are_credited_from_the_lines(support_client, invoice):
    line = invoice.lines.get(kind="product")
    _post(
        support_client,
        invoice,
        reason="other",
        reason_text="Ein Artikel fehlte",
        **{f"line_{line.pk}": "1"},
        shipping="4,90",
        token="t2",
    )
    note = CreditNote.objects.get()
    assert note.total == Decimal("24.89")  # 19.99 + 4.90
    assert [(ln.sku, ln.quantity) for ln in note.lines.all()] == [(line.sku, 1)]


def test_more_than_is_left_is_refused_with_the_form_and_nothing_is_credited(support_client, invoice):
    _post(support_client, invoice, reason="goodwill", reason_text="Erst", amount="40,00", token="a")

    response = _post(support_client, invoice, reason="goodwill", reason_text="Zweit", amount="5,00", token="b")

    assert response.status_code == 422
    page = response.content.decode()
    assert "more than the 4.88 EUR left" in page
    assert CreditNote.objects.count() == 1
    assert Invoice.objects.get(pk=invoice.pk).amount_credited == Decimal("40.00")


@pytest.mark.parametrize(
    "data, message",
    [
        ({"reason": "goodwill", "reason_text": "", "amount": "1"}, "This field is required"),
        ({"reason": "goodwill", "reason_text": "x"}, "Enter units, shipping or an amount to credit."),
        ({"reason": "return", "reason_text": "x", "amount": "1"}, "Select a valid choice"),
        ({"reason": "goodwill", "reason_text": "x", "amount": "-1"}, ""),
        ({"reason": "goodwill", "reason_text": "x", "shipping": "9,99"}, "shipping"),
    ],
)
def test_bad_input_is_answered_with_a_message_and_nothing_is_credited(support_client, invoice, data, message):
    response = _post(support_client, invoice, token="bad", **data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not CreditNote.objects.exists()


def test_too_many_units_of_a_line_are_refused(support_client, invoice):
    line = invoice.lines.get(kind="product")
    response = _post(support_client, invoice, reason="other", reason_text="x", **{f"line_{line.pk}": "3"})
    assert response.status_code == 422 and not CreditNote.objects.exists()


def test_warehouse_staff_may_not_credit(warehouse_client, invoice):
    assert warehouse_client.get(_url(invoice)).status_code == 403
