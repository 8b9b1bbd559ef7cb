"""Names and addresses cannot spoof what staff see: bidi overrides (U+202E), zero-width and control
characters are refused or removed, and text is stored NFC-normalised, through every entry point,
as the outside probe sent them (API POST, CSV import, phone-order form). Internationalised e-mail
addresses (``jörg.müller@example.de``, RFC 6531) are accepted everywhere."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from inventory.models import Product
from orders.models import Customer, Order, OrderImport, OrderImportStatus
from tests.orders.api_fixtures import *  # noqa: F403  (fixtures)
from tests.orders.support_fixtures import *  # noqa: F403  (fixtures)
from tests.orders.test_api import ORDER, order_body, post
from tests.orders.test_views_phone import NEW as PHONE
from tests.orders.test_views_phone import _form as phone_form

pytestmark = pytest.mark.django_db


def _with_name(name: str, **customer) -> dict:
    body = order_body()
    body["customer"] = {**ORDER["customer"], "name": name, **customer}
    body["billing_address"] = {**ORDER["billing_address"], "name": name}
    return body


# --- API ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("char", ["\u202e", "\u202d", "\u2066", "\x1b", "\x07"])
def test_api_refuses_a_name_with_a_bidi_override_or_control_character(api, products, char):
    response = post(api, _with_name(f"Anna {char}Schmidt"), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400, response.json()
    assert {"customer.name", "billing_address.name"} <= set(response.json()["errors"])
    assert not Order.objects.exists()


def test_api_refuses_a_bidi_override_in_every_address_part(api, products):
    body = order_body()
    body["billing_address"] = {**ORDER["billing_address"], "street": "Lindenstr.\u202e 4", "city": "Ber\u202elin"}

    response = post(api, body)

    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"billing_address.street", "billing_address.city"}


def test_api_stores_names_without_zero_width_characters_and_nfc_normalised(api, products):
    response = post(api, _with_name("An\u200bna Mu\u0308ller\ufeff"))

    assert response.status_code == 201, response.json()
    order = Order.objects.get()
    assert order.billing_name == order.shipping_name == "Anna Müller"
    assert order.customer.name == "Anna Müller"


def test_api_accepts_an_internationalised_email_address(api, products):
    response = post(api, _with_name("Jörg Müller", email="jörg.müller@example.de"))

    assert response.status_code == 201, response.json()
    assert Order.objects.get().email == "jörg.müller@example.de"
    assert Customer.objects.get().email == "jörg.müller@example.de"


@pytest.mark.parametrize("amount", ["1e308", "NaN", "Infinity", 1e308])
def test_api_answers_an_impossible_amount_with_a_400_naming_the_field(api, products, amount):
    body = order_body(shipping_total=amount)

    response = post(api, body)

    assert response.status_code == 400, response.content
    assert "shipping_total" in response.json()["errors"]


# --- CSV import (orders) --------------------------------------------------------------------------


def _csv_upload(client, content: str, django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile("orders.csv", content.encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("orders:support-order-import"), {"file": upload, "channel": "webshop"})


def _csv(name: str, *, email: str = "anna@example.com", placed_at: str = "") -> str:
    header = (
        "external_id,customer_email,customer_name,ship_name,ship_street,ship_postcode,ship_city,"
        "ship_country,sku,quantity,unit_price,placed_at\n"
    )
    return header + f"C-1,{email},{name},{name},Lindenstr. 5,10115,Berlin,DE,MUG-WHT,1,12.50,{placed_at}\n"


@pytest.mark.parametrize("char", ["\u202e", "\u2067", "\x1b"])
def test_csv_import_reports_a_bidi_or_control_character_in_a_name_as_a_row_error(
    support_client, catalogue, webshop, django_capture_on_commit_callbacks, char
):
    _csv_upload(support_client, _csv(f"Anna {char}Schmidt"), django_capture_on_commit_callbacks)

    order_import = OrderImport.objects.get()
    assert order_import.status == OrderImportStatus.FAILED
    assert {(e["row"], e["field"]) for e in order_import.errors} == {(2, "customer_name"), (2, "ship_name")}
    assert not Order.objects.exists()


def test_csv_import_stores_names_without_zero_width_characters_and_accepts_international_email(
    support_client, catalogue, webshop, django_capture_on_commit_callbacks
):
    content = _csv("An\u200dna Mu\u0308ller", email="jörg.müller@example.de")

    _csv_upload(support_client, content, django_capture_on_commit_callbacks)

    assert OrderImport.objects.get().status == OrderImportStatus.DONE, OrderImport.objects.get().errors
    order = Order.objects.get()
    assert (order.shipping_name, order.email) == ("Anna Müller", "jörg.müller@example.de")


@pytest.mark.parametrize(
    "placed_at", ["1900-01-01T00:00:00+00:00", "2999-01-01 10:00", "0001-01-01T00:00:00Z", "yesterday"]
)
@time_machine.travel(datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC), tick=False)
def test_csv_import_reports_an_implausible_placed_at_as_a_row_error(
    support_client, catalogue, webshop, django_capture_on_commit_callbacks, placed_at
):
    _csv_upload(support_client, _csv("Anna Schmidt", placed_at=placed_at), django_capture_on_commit_callbacks)

    order_import = OrderImport.objects.get()
    assert order_import.status == OrderImportStatus.FAILED
    assert [(e["row"], e["field"]) for e in order_import.errors] == [(2, "placed_at")]
    assert not Order.objects.exists()


@time_machine.travel(datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC), tick=False)
def test_csv_import_takes_a_plausible_placed_at_in_berlin_time(
    support_client, catalogue, webshop, django_capture_on_commit_callbacks
):
    _csv_upload(support_client, _csv("Anna Schmidt", placed_at="2026-11-19 09:30"), django_capture_on_commit_callbacks)

    order = Order.objects.get()
    assert order.placed_at == datetime.datetime(2026, 11, 19, 8, 30, tzinfo=datetime.UTC)
    assert order.number.startswith("2026-")


# --- phone-order form -----------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["customer-customer_name", "ship-name", "ship-street", "ship-city"])
def test_phone_order_form_refuses_a_bidi_override_and_places_nothing(support_client, catalogue, field):
    response = support_client.post(reverse(PHONE), phone_form(**{field: "Nina \u202eueN"}))

    assert response.status_code == 422
    assert "U+202E" in response.content.decode()
    assert not Order.objects.exists()


def test_phone_order_form_takes_an_international_email_and_drops_zero_width_characters(support_client, catalogue):
    data = phone_form(**{"customer-email": "jörg.müller@example.de", "ship-name": "Jörg\u200b Mu\u0308ller"})

    response = support_client.post(reverse(PHONE), data, headers={"HX-Request": "true"})

    assert response.status_code == 200, response.content.decode()[:2000]
    order = Order.objects.get()
    assert (order.email, order.shipping_name) == ("jörg.müller@example.de", "Jörg Müller")


# --- CSV import (products and stock) --------------------------------------------------------------


def _product_upload(client, text: str):
    file = SimpleUploadedFile("data.csv", text.encode("utf-8"), content_type="text/csv")
    return client.post(reverse("inventory:csv-exchange"), {"kind": "products", "file": file}, headers=HX)


HX = {"HX-Request": "true"}


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\x1b"])
def test_product_csv_import_reports_a_bidi_or_control_character_and_imports_nothing(manager_client, char):
    response = _product_upload(manager_client, f"sku;name\nTEA-1;Green tea\nTEA-2;Black{char} tea\n")

    assert response.status_code == 422
    table = response.content.decode().split('aria-label="Errors in', 1)[1]
    assert "<td>3</td><td>name</td>" in table
    assert not Product.objects.exists()


def test_product_csv_import_stores_names_nfc_normalised_without_zero_width_characters(manager_client):
    response = _product_upload(manager_client, "sku;name\nTEA-1;Gru\u0308ner\u200b Tee\n")

    assert response.status_code == 200
    assert Product.objects.get().name == "Grüner Tee"
