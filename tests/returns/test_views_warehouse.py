"""The warehouse's return screens: find the parcel by scan, book each unit in its condition,
refusals that say why and book nothing, finish with what is missing, scrap damaged units; the
warehouse home's queue of expected returns."""

from __future__ import annotations

import pytest
from django.urls import reverse

from inventory.models import MovementKind, StockMovement
from returns.models import ReturnRequest, ReturnState
from returns.services.requests import reject_return
from tests.oms.test_translations import compiled_locale  # noqa: F401  (fixture)
from tests.returns.receiving_data import approved_return, delivered_order, returns_bin

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def rma():
    order = delivered_order()
    returns_bin()
    return approved_return(order, {"SHIRT": 1, "JEANS": 1})


def _scan(client, rma, code, *, condition="resellable", bin="R-01-01", htmx=True):
    return client.post(
        reverse("returns:warehouse-return-scan", kwargs={"number": rma.number}),
        {"code": code, "condition": condition, "bin": bin},
        **(HTMX if htmx else {}),
    )


def test_scanning_the_rma_number_opens_the_return_and_an_unknown_code_is_refused(warehouse_client, rma):
    start = reverse("returns:warehouse-returns")
    listed = warehouse_client.get(start)
    assert listed.status_code == 200 and rma.number in listed.content.decode()

    found = warehouse_client.get(start, {"code": rma.number.lower()})
    assert found.status_code == 302
    assert found["Location"] == reverse("returns:warehouse-return", kwargs={"number": rma.number})

    unknown = warehouse_client.get(start, {"code": "RMA-1999-999999"})
    assert unknown.status_code == 422
    assert "No return has the RMA or tracking number" in unknown.content.decode()


def test_the_screen_books_a_resellable_and_a_damaged_unit_and_the_return_is_inspected(warehouse_client, rma):
    page = warehouse_client.get(reverse("returns:warehouse-return", kwargs={"number": rma.number}))
    assert page.status_code == 200 and "Book item" in page.content.decode()

    first = _scan(warehouse_client, rma, "SHIRT")
    assert first.status_code == 200
    body = first.content.decode()
    assert 'id="receive-work"' in body and "<html" not in body  # htmx: only the partial
    assert "SHIRT resellable, into bin R-01-01 (1 of 1)." in body

    second = _scan(warehouse_client, rma, "JEANS", condition="damaged", bin="", htmx=False)
    assert second.status_code == 200 and "<html" in second.content.decode()
    assert "the return is inspected" in second.content.decode()
    rma.refresh_from_db()
    assert rma.state in (ReturnState.INSPECTED, ReturnState.REFUNDED)
    assert StockMovement.objects.filter(kind=MovementKind.RETURN, reference=rma.number).count() == 2


def test_a_refused_scan_says_why_with_422_and_books_nothing(warehouse_client, rma):
    movements = StockMovement.objects.count()
    not_on_return = _scan(warehouse_client, rma, "4006381333931")
    no_bin = _scan(warehouse_client, rma, "SHIRT", bin="")
    bad_bin = _scan(warehouse_client, rma, "SHIRT", bin="ZZ-99")
    bad_condition = _scan(warehouse_client, rma, "SHIRT", condition="lost")

    assert [r.status_code for r in (not_on_return, no_bin, bad_bin, bad_condition)] == [422] * 4
    assert "is not on return" in not_on_return.content.decode()
    assert "Choose the bin" in no_bin.content.decode()
    assert "There is no bin “ZZ-99”" in bad_bin.content.decode()
    assert StockMovement.objects.count() == movements


def test_a_rejected_return_shows_why_and_a_scan_against_it_books_nothing(warehouse_client, support_user):
    order = delivered_order({"SHIRT": (2, "99.00")})
    rma = approved_return(order, {"SHIRT": 2})
    reject_return(rma, by=support_user, reason="Worn")
    page = warehouse_client.get(reverse("returns:warehouse-return", kwargs={"number": rma.number}))
    assert "was rejected (Worn)" in page.content.decode() and "Book item" not in page.content.decode()
    movements = StockMovement.objects.count()

    scanned = _scan(warehouse_client, rma, "SHIRT", condition="damaged")

    assert scanned.status_code == 422 and "was rejected (Worn)" in scanned.content.decode()
    assert StockMovement.objects.count() == movements


def test_finishing_records_the_rest_missing_and_damaged_units_can_be_scrapped(warehouse_client, rma):
    _scan(warehouse_client, rma, "JEANS", condition="damaged", bin="")
    finished = warehouse_client.post(reverse("returns:warehouse-return-finish", kwargs={"number": rma.number}))
    assert finished.status_code == 302
    rma = ReturnRequest.objects.get(pk=rma.pk)
    assert rma.lines.get(order_line__sku="SHIRT").quantity_missing == 1
    page = warehouse_client.get(reverse("returns:warehouse-return", kwargs={"number": rma.number}))
    assert "Damaged, blocked in stock" in page.content.decode()
    line = rma.lines.get(order_line__sku="JEANS")

    scrapped = warehouse_client.post(
        reverse("returns:warehouse-return-scrap", kwargs={"number": rma.number}),
        {"line": line.pk, "quantity": 1, "reason": "Torn seam"},
        **HTMX,
    )
    again = warehouse_client.post(
        reverse("returns:warehouse-return-scrap", kwargs={"number": rma.number}),
        {"line": line.pk, "quantity": 1, "reason": "Torn seam"},
        **HTMX,
    )

    assert scrapped.status_code == 200 and "1 x JEANS scrapped." in scrapped.content.decode()
    assert again.status_code == 422
    assert StockMovement.objects.filter(kind=MovementKind.SCRAP, reference=rma.number).count() == 1


def test_the_warehouse_home_shows_the_expected_returns(warehouse_client, rma):
    home = warehouse_client.get(reverse("warehouse-home"))
    body = home.content.decode()
    assert "1 return on its way" in body and reverse("returns:warehouse-returns") in body


def test_the_screens_are_for_the_warehouse(support_client, rma):
    assert support_client.get(reverse("returns:warehouse-returns")).status_code == 403
