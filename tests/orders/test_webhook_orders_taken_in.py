"""Orders a shop has already taken from its customer are never refused: the shop has the money,
and a refusal loses the order. What is doubtful is taken in and put on hold, with the reason on
the timeline and a case in the support queue (issue: shop orders never refused)."""

# ruff: noqa: F811

from __future__ import annotations

import json

import pytest

from inventory.services.stock import receive_stock
from orders.models import EventKind, Order, OrderState, SupportCase
from tests.orders.api_fixtures import channel, fixture_json, products  # noqa: F401  (fixtures)
from tests.orders.factories import warehouse
from tests.orders.test_webhooks import DELIVERED, shopify_post, woo_post

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(DELIVERED)]  # minutes after the shops took the orders


@pytest.fixture
def stock(products):
    """20 units of each fixture SKU in one warehouse, so a taken-in order reserves stock."""
    wh = warehouse("LEJ")
    for product in products.values():
        receive_stock(product=product, warehouse=wh, quantity=20, reference="test")
    return wh


def held_order() -> Order:
    order = Order.objects.get()
    assert order.state == OrderState.ON_HOLD, (order.state, order.hold_reason)
    return order


def timeline_hold(order: Order) -> str:
    return order.events.get(to_state=OrderState.ON_HOLD).message


def review_case(order: Order) -> SupportCase:
    case = SupportCase.objects.get(order=order)
    assert case.state == "open"
    assert all(message.internal for message in case.messages.all())  # never shown to the customer
    return case


# --- doubtful addresses -------------------------------------------------------------------------


def test_a_german_postcode_of_four_digits_is_taken_in_and_held_with_the_reason(client, channel, stock):
    payload = fixture_json("shopify_order_create.json")
    payload["shipping_address"]["zip"] = "4109"  # the leading zero lost in a spreadsheet

    response = shopify_post(client, json.dumps(payload).encode())

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "created"
    order = held_order()
    assert "4109" in order.hold_reason and "DE" in order.hold_reason
    assert "4109" in timeline_hold(order)
    assert "4109" in review_case(order).messages.get().body
    # Paid, so confirmed and allocated before the hold: its stock stays reserved for it.
    assert order.state_before_hold == OrderState.ALLOCATED
    assert order.events.filter(kind=EventKind.PLACED).exists()


def test_a_woocommerce_order_with_a_postcode_of_letters_for_germany_is_held(client, channel, products):
    payload = fixture_json("woocommerce_order_created.json")
    payload["shipping"]["postcode"] = "D-79108"

    assert woo_post(client, json.dumps(payload).encode()).status_code == 200

    order = held_order()
    assert "D-79108" in order.hold_reason
    assert order.state_before_hold == OrderState.BACKORDERED  # no stock: backordered, then held


@pytest.mark.parametrize(
    ("country", "postcode"),
    [("DE", "04109"), ("AT", "1010"), ("NL", "1012 ab"), ("PL", "00-950"), ("GB", "SW1A 1AA"), ("BR", "01310-100")],
)
def test_postcodes_in_their_country_s_format_are_not_held(client, channel, products, country, postcode):
    payload = fixture_json("shopify_order_create.json")
    payload["shipping_address"].update(zip=postcode, country_code=country)

    assert shopify_post(client, json.dumps(payload).encode()).status_code == 200

    order = Order.objects.get()
    assert order.state != OrderState.ON_HOLD, order.hold_reason
    assert not SupportCase.objects.exists()


def test_a_doubtful_billing_address_alone_does_not_hold_an_order_shipped_elsewhere(client, channel, products):
    payload = fixture_json("shopify_order_create.json")
    payload["billing_address"]["zip"] = "123"

    assert shopify_post(client, json.dumps(payload).encode()).status_code == 200

    assert Order.objects.get().state != OrderState.ON_HOLD
