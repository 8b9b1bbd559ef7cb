"""Managers download the accounting export of a period from /reports/accounting/: the DATEV
booking batch and the OSS totals per country; a bad period is named on the page (400)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse

from billing.services.issuing import issue_invoice_for_shipment
from tests.billing.flows import place, ship

pytestmark = pytest.mark.django_db

DATEV = reverse("reporting:accounting-datev")
OSS = reverse("reporting:accounting-oss")


@pytest.fixture(autouse=True)
def english_ui(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def invoice():
    with time_machine.travel(datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC), tick=False):
        order = place({"MUG-1": (2, "19.99")})
        return issue_invoice_for_shipment(shipment_id=ship(order, {"MUG-1": 2}).pk)


def test_the_page_offers_both_downloads_for_last_month(manager_client):
    with time_machine.travel(datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC), tick=False):
        body = manager_client.get(reverse("reporting:accounting")).content.decode()
    assert 'value="2026-11-01"' in body and 'value="2026-11-30"' in body
    assert f'action="{DATEV}"' in body and f'formaction="{OSS}"' in body
    assert "Download DATEV booking batch" in body


def test_a_manager_downloads_the_datev_batch_of_a_period(manager_client, manager_user, invoice):
    response = manager_client.get(DATEV, {"from": "2026-12-01", "to": "2026-12-31"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=windows-1252"
    assert response["Content-Disposition"] == 'attachment; filename="EXTF_Buchungsstapel_20261201_20261231.csv"'
    lines = response.content.decode("cp1252").split("\r\n")
    assert lines[0].startswith('"EXTF";700;21;"Buchungsstapel";13;')
    assert f'"RE";"{manager_user.get_username()}";' in lines[0]  # exported by
    assert len(lines) == 2 + 1 + 1  # header, columns, the invoice's one VAT rate, the final CRLF
    assert f'"{invoice.number}"' in lines[2] and lines[2].startswith("44,88;")


def test_a_manager_downloads_the_oss_totals(manager_client, invoice):
    response = manager_client.get(OSS, {"from": "2026-12-01", "to": "2026-12-31"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="oss-20261201_20261231.csv"'
    assert response.content.decode("utf-8-sig").splitlines() == ["Country;VAT rate (%);Net;VAT"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"from": "2026-12-31", "to": "2026-12-01"}, "The period ends before it starts."),
        ({"from": "2026-12-01", "to": "2027-01-31"}, "A DATEV batch covers one fiscal year"),
        ({"from": "2026-12-01"}, "This field is required."),
        ({"from": "2026-02-30", "to": "2026-03-01"}, "Enter a valid date."),
    ],
)
@pytest.mark.parametrize("url", [DATEV, OSS])
def test_a_bad_period_is_named_on_the_page_and_nothing_is_downloaded(manager_client, url, query, message):
    response = manager_client.get(url, query)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert message in response.content.decode()


def test_without_a_period_the_download_urls_show_the_form(manager_client):
    response = manager_client.get(DATEV)
    assert response.status_code == 200 and b"Download OSS totals per country" in response.content


@pytest.mark.parametrize("url", [reverse("reporting:accounting"), DATEV, OSS])
def test_support_and_the_warehouse_may_not_export_the_accounts(support_client, url):
    assert support_client.get(url, {"from": "2026-12-01", "to": "2026-12-31"}).status_code == 403
