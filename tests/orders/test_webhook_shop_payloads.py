"""Shop payloads the webhooks must take in as the shop charged them: free-shipping codes on
Shopify (in either shape Shopify has sent them), Shopify orders without a shipping address,
WooCommerce fees (cash-on-delivery surcharge, a negative fee as a discount)."""

# ruff: noqa: F811

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from orders.models import Order
from orders.webhooks.errors import PayloadError
from orders.webhooks.shopify import shopify_order_draft
from orders.webhooks.woocommerce import woocommerce_order_draft
from tests.orders.api_fixtures import channel, fixture_json, products  # noqa: F401  (fixtures)
from tests.orders.test_webhooks import DELIVERED, shopify_post, woo_post

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(DELIVERED)]  # minutes after the shops took the orders

FREE_SHIPPING = [{"amount": "4.90", "discount_application_index": 0}]


def _free_shipping_payload(*, discounted_price: str) -> dict:
    """The fixture order (62.30 of goods, 4.90 shipping) with a free-shipping code."""
    payload = fixture_json("shopify_order_create.json")
    line = payload["shipping_lines"][0]
    line["discount_allocations"] = FREE_SHIPPING
    line["discounted_price"] = discounted_price
    payload["discount_applications"] = [
        {"target_type": "shipping_line", "type": "discount_code", "value": "100.0", "value_type": "percentage"}
    ]
    payload["discount_codes"] = [{"code": "VERSANDFREI", "amount": "4.90", "type": "free_shipping"}]
    payload["total_discounts"] = "4.90"
    payload["total_price"] = "62.30"
    return payload


@pytest.mark.parametrize(
    "discounted_price",
    ["0.00", "4.90"],
    ids=["discounted-price-includes-the-code", "discounted-price-before-the-code"],
)
def test_a_shopify_order_with_a_free_shipping_code_is_taken_in_at_what_the_customer_paid(
    client, channel, products, discounted_price
):
    payload = _free_shipping_payload(discounted_price=discounted_price)

    response = shopify_post(client, json.dumps(payload).encode())

    assert response.status_code == 200, response.content
    order = Order.objects.get()
    assert order.total == Decimal("62.30")
    assert order.shipping_total == Decimal("0.00")
    assert order.discount_total == Decimal("0.00")


def test_a_shopify_order_without_a_shipping_address_ships_to_the_billing_address(client, channel, products):
    payload = fixture_json("shopify_order_create.json")
    payload["shipping_address"] = None  # local pickup, or a shop that asks for one address only

    response = shopify_post(client, json.dumps(payload).encode())

    assert response.status_code == 200, response.content
    order = Order.objects.get()
    assert (order.shipping_street, order.shipping_postcode, order.shipping_country) == (
        "Schillerstraße 12",
        "04109",
        "DE",
    )


def test_a_shopify_order_with_no_address_at_all_is_still_refused():
    payload = fixture_json("shopify_order_create.json")
    payload["shipping_address"] = None
    payload["billing_address"] = None
    with pytest.raises(PayloadError) as exc:
        shopify_order_draft(payload)
    assert exc.value.field == "shipping_address"


def _with_fees(payload: dict, *fees: tuple[str, str, str]) -> dict:
    payload["fee_lines"] = [
        {"id": 1300 + i, "name": name, "tax_class": "", "tax_status": "taxable", "total": total, "total_tax": tax}
        for i, (name, total, tax) in enumerate(fees)
    ]
    return payload


def test_a_woocommerce_order_with_a_cash_on_delivery_fee_is_taken_in_at_its_total(client, channel, products):
    payload = _with_fees(fixture_json("woocommerce_order_created.json"), ("Nachnahmegebühr", "1.68", "0.32"))
    payload["payment_method"] = "cod"
    payload["total"] = "69.20"
    payload["total_tax"] = "11.05"

    response = woo_post(client, json.dumps(payload).encode())

    assert response.status_code == 200, response.content
    assert Order.objects.get().total == Decimal("69.20")


def test_a_negative_woocommerce_fee_is_a_discount():
    payload = _with_fees(fixture_json("woocommerce_order_created.json"), ("Treuerabatt", "-4.20", "-0.80"))
    payload["total"] = "62.20"

    draft = woocommerce_order_draft(payload)

    assert draft.discount_total == Decimal("5.00")
    assert draft.shipping_total == Decimal("4.90")
    assert draft.stated_total == Decimal("62.20")
