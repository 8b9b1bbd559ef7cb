"""Names and addresses cannot spoof what staff see: bidi overrides (U+202E), zero-width and control
characters are refused or removed, and text is stored NFC-normalised, through every entry point,
as the outside probe sent them (API POST, CSV import, phone-order form). Internationalised e-mail
addresses (``jörg.müller@example.de``, RFC 6531) are accepted everywhere."""

from __future__ import annotations

import pytest

from orders.models import Customer, Order
from tests.orders.api_fixtures import *  # noqa: F403  (fixtures)
from tests.orders.test_api import ORDER, order_body, post

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
