"""The bank screen: support imports a statement, sees what matched no order, and resolves it."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from billing.models import BankLineState, BankStatementLine
from orders.models import Order, PaymentTransaction
from tests.billing.factories import placed_order

pytestmark = pytest.mark.django_db


def _upload(client, body: bytes, name: str = "umsaetze.csv"):
    return client.post(
        reverse("billing:support-bank-import"), {"file": SimpleUploadedFile(name, body, "text/csv")}, follow=True
    )


def test_support_imports_a_statement_and_a_second_import_changes_nothing(support_client):
    order = placed_order(payment_method="prepayment")
    body = f"Buchungstag;Betrag;Verwendungszweck\n07.12.2026;44,88;Best. {order.number}\n07.12.2026;9,99;?\n".encode()

    first = _upload(support_client, body).content.decode()
    second = _upload(support_client, body).content.decode()

    assert "1 credits booked, 1 to resolve" in first
    assert "imported before" in second
    assert Order.objects.get(pk=order.pk).payment_state == "paid"
    assert PaymentTransaction.objects.count() == 1
    assert 'id="bank-line-' in second  # the 9.99 waits on the screen


def test_a_file_that_is_no_statement_is_refused_on_the_screen(support_client):
    response = support_client.post(
        reverse("billing:support-bank-import"), {"file": SimpleUploadedFile("x.csv", b"hello;world\n", "text/csv")}
    )
    assert response.status_code == 422 and "Buchungstag" in response.content.decode()


def test_support_assigns_and_ignores_unmatched_credits(support_client):
    order = placed_order(payment_method="prepayment")
    _upload(support_client, b"Buchungstag;Betrag;Verwendungszweck\n07.12.2026;44,00;Danke\n07.12.2026;1,00;Test\n")
    paid, other = BankStatementLine.objects.order_by("-amount")

    wrong = support_client.post(
        reverse("billing:support-bank-line-assign", args=[paid.pk]), {f"assign-{paid.pk}-reference": "2099-000001"}
    )
    assert wrong.status_code == 422 and "No order or invoice" in wrong.content.decode()

    support_client.post(
        reverse("billing:support-bank-line-assign", args=[paid.pk]), {f"assign-{paid.pk}-reference": order.number}
    )
    support_client.post(
        reverse("billing:support-bank-line-ignore", args=[other.pk]), {f"ignore-{other.pk}-reason": "Testbuchung"}
    )

    assert BankStatementLine.objects.get(pk=paid.pk).state == BankLineState.RESOLVED
    assert BankStatementLine.objects.get(pk=other.pk).state == BankLineState.IGNORED
    assert "Every credit is matched." in support_client.get(reverse("billing:support-bank")).content.decode()
