"""Signed shop webhooks with content that cannot be stored as sent, as an outside probe sent them:
every answer is JSON (shops retry on any non-2xx, WooCommerce disables a hook after repeated
failures); text is cleaned (U+FFFD for a lone surrogate) and the order held with the reason;
an amount no order can have is a clear 422."""

# ruff: noqa: F811

from __future__ import annotations

import json
import re

import pytest

from oms.views import server_error
from orders.models import Order, OrderState, SupportCase
from tests.orders.api_fixtures import channel, fixture_json, products  # noqa: F401  (fixtures)
from tests.orders.test_webhooks import DELIVERED, SHOPIFY_URL, nothing_stored, shopify_post, woo_post

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(DELIVERED)]


def signed_body(payload: dict) -> bytes:
    # json.dumps escapes a lone surrogate as the six characters \ud800, exactly as the probe sent it.
    raw = json.dumps(payload).encode()
    assert b"\\ud800" in raw or b"1e308" in raw.lower() or b"1E+308" in raw
    return raw


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda p: p["billing_address"].update(first_name="Anna\ud800", name=None), "billing_address.first_name"),
        (lambda p: p["shipping_address"].update(first_name="Anna\ud800", name=None), "shipping_address.first_name"),
        (lambda p: p.update(note="Bitte klingeln \ud800"), "note"),
        (lambda p: p.update(id="5734972145812345678\ud800"), "id"),
    ],
    ids=["billing-first-name", "shipping-first-name", "note", "id"],
)
def test_a_lone_surrogate_in_a_shopify_order_is_replaced_and_the_order_held(client, channel, products, change, field):
    payload = fixture_json("shopify_order_create.json")
    change(payload)

    response = shopify_post(client, signed_body(payload))

    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    order = Order.objects.get()
    assert order.state == OrderState.ON_HOLD
    assert field in order.hold_reason and "\ufffd" in order.hold_reason
    stored = " ".join([order.billing_name, order.shipping_name, order.customer_note, order.external_id])
    assert "\ufffd" in stored
    body = SupportCase.objects.get(order=order).messages.get().body
    assert re.search(rf"(^|\s){re.escape(field)}\s", body) and "\ufffd" in body, body


def test_a_lone_surrogate_in_a_sku_is_a_json_422_naming_the_unknown_sku(client, channel, products):
    payload = fixture_json("shopify_order_create.json")
    payload["line_items"][0]["sku"] = "SHIRT-BLK-M\ud800"

    response = shopify_post(client, signed_body(payload))

    # The SKU as cleaned (SHIRT-BLK-M\ufffd) is not in the catalogue: nothing to place it as.
    assert response.status_code == 422, response.content
    assert "lines[0].sku" in response.json()["errors"]
    assert nothing_stored()


def test_a_lone_surrogate_in_a_woocommerce_name_is_replaced_and_the_order_held(client, channel, products):
    payload = fixture_json("woocommerce_order_created.json")
    payload["billing"]["first_name"] = "Jonas\ud800"

    response = woo_post(client, signed_body(payload))

    assert response.status_code == 200, response.content
    order = Order.objects.get()
    assert order.state == OrderState.ON_HOLD
    assert order.billing_name == "Jonas\ufffd Weber"
    assert order.customer.name == "Jonas\ufffd Weber"


@pytest.mark.parametrize(
    ("source", "change", "field"),
    [
        ("shopify", lambda p: p["line_items"][0].update(price="1e308"), "line_items[0].price"),
        ("shopify", lambda p: p.update(total_price="1E308"), "total_price"),
        ("shopify", lambda p: p["shipping_lines"][0].update(price="99999999999.00"), "shipping_lines[0].price"),
        ("woocommerce", lambda p: p["line_items"][0].update(subtotal="1e308"), "line_items[0].subtotal"),
        ("woocommerce", lambda p: p.update(total="1e308"), "total"),
    ],
    ids=["shopify-price", "shopify-total", "shopify-shipping", "woo-subtotal", "woo-total"],
)
def test_an_impossible_amount_is_a_json_422_naming_the_field(client, channel, products, source, change, field):
    name = "shopify_order_create.json" if source == "shopify" else "woocommerce_order_created.json"
    payload = fixture_json(name)
    change(payload)

    response = (shopify_post if source == "shopify" else woo_post)(client, json.dumps(payload).encode())

    assert response.status_code == 422, response.content
    assert response.json()["code"] == "invalid_payload"
    assert field in response.json()["errors"]
    assert nothing_stored()


def test_a_woocommerce_price_sent_as_the_json_number_1e308_is_a_json_422(client, channel, products):
    payload = fixture_json("woocommerce_order_created.json")
    raw = json.dumps(payload).replace('"total": "67.20"', '"total": 1e308').encode()
    assert b'"total": 1e308' in raw

    response = woo_post(client, raw)

    assert response.status_code == 422, response.content
    assert "total" in response.json()["errors"]


def test_every_webhook_answer_is_json(client, channel, products):
    answers = [
        client.get(SHOPIFY_URL),  # 405
        client.post("/webhooks/shopify/webshop/no-such-topic/", data=b"{}", content_type="application/json"),  # 404
        shopify_post(client, b"{", signature="AAAA"),  # 401
        shopify_post(client, b"[1, 2"),  # 400
    ]

    assert [a.status_code for a in answers] == [405, 404, 401, 400]
    for answer in answers:
        assert answer["Content-Type"] == "application/json", answer.content
        assert answer.json()["code"]
    assert answers[0]["Allow"] == "POST"


def test_an_unexpected_error_behind_a_webhook_is_answered_in_json(rf):
    response = server_error(rf.post(SHOPIFY_URL, data=b"{}", content_type="application/json"))

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
