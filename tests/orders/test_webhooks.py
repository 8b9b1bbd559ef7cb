"""Shopify and WooCommerce order webhooks: signatures first, mapping, duplicates, refusals."""

# Fixtures come from tests/orders/api_fixtures.py by import; pytest injects them by parameter name.
# ruff: noqa: F811

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest

from orders.models import Customer, Order, WebhookDelivery
from orders.webhooks.shopify import shopify_order_draft
from orders.webhooks.signatures import compute_signature, verify_signature
from orders.webhooks.woocommerce import woocommerce_order_draft
from tests.orders.api_fixtures import (  # noqa: F401  (fixtures)
    WEBHOOK_SECRET,
    channel,
    fixture_bytes,
    fixture_json,
    products,
)

SHOPIFY_URL = "/webhooks/shopify/webshop/orders-create/"
WOO_URL = "/webhooks/woocommerce/webshop/order/"
SHOPIFY_ID = "5734972145812345678"  # > 2**53: must survive as text, never via float


def shopify_post(client, raw: bytes, *, secret: str = WEBHOOK_SECRET, signature: str | None = None, **headers):
    return client.post(
        SHOPIFY_URL,
        data=raw,
        content_type="application/json",
        HTTP_X_SHOPIFY_HMAC_SHA256=signature if signature is not None else compute_signature(secret, raw),
        **{
            "HTTP_X_SHOPIFY_TOPIC": "orders/create",
            "HTTP_X_SHOPIFY_SHOP_DOMAIN": "beispiel-shop.myshopify.com",
            "HTTP_X_SHOPIFY_WEBHOOK_ID": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
            **headers,
        },
    )


def woo_post(client, raw: bytes, *, secret: str = WEBHOOK_SECRET, signature: str | None = None, **headers):
    return client.post(
        WOO_URL,
        data=raw,
        content_type="application/json",
        HTTP_X_WC_WEBHOOK_SIGNATURE=signature if signature is not None else compute_signature(secret, raw),
        **{
            "HTTP_X_WC_WEBHOOK_TOPIC": "order.created",
            "HTTP_X_WC_WEBHOOK_SOURCE": "https://shop.example.com/",
            "HTTP_X_WC_WEBHOOK_RESOURCE": "order",
            "HTTP_X_WC_WEBHOOK_EVENT": "created",
            "HTTP_X_WC_WEBHOOK_DELIVERY_ID": "a1d2e3f4b5c6d7e8",
            **headers,
        },
    )


def nothing_stored() -> bool:
    return not Order.objects.exists() and not Customer.objects.exists() and not WebhookDelivery.objects.exists()


# The shops took the fixtures' orders on 21 Nov 2026 at 14:03 and 14:05 in Berlin; their webhooks
# arrive minutes later (intake refuses an order placed more than a year before it arrives). Every
# module posting these fixtures runs at this moment: ``pytest.mark.time_machine(DELIVERED)``.
DELIVERED = datetime.datetime(2026, 11, 21, 13, 10, tzinfo=datetime.UTC)

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(DELIVERED)]


# --- signatures (pure) --------------------------------------------------------------------------


def test_signature_is_base64_hmac_sha256_of_the_raw_body():
    raw = b'{"id": 1}'

    good = compute_signature("s3cret", raw)

    assert verify_signature("s3cret", raw, good)
    assert not verify_signature("s3cret", raw + b" ", good)  # one byte more: other signature
    assert not verify_signature("other", raw, good)
    assert not verify_signature("", raw, compute_signature("", raw))  # no secret, no trust
    assert not verify_signature("s3cret", raw, None)
    assert not verify_signature("s3cret", raw, "not base64 !!")


# --- Shopify ------------------------------------------------------------------------------------


def test_shopify_order_with_valid_signature_becomes_an_order_with_mapped_fields(client, channel, products):
    response = shopify_post(client, fixture_bytes("shopify_order_create.json"))

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "created"
    order = Order.objects.get()
    assert order.external_id == SHOPIFY_ID
    assert order.channel == channel
    assert order.currency == "EUR"
    assert order.total == Decimal("67.20")
    assert order.customer.email == "lena.hoffmann@example.de"
    assert order.shipping_postcode == "04109"
    assert order.shipping_country == "DE"
    assert sorted((line.sku, line.quantity) for line in order.lines.all()) == [("MUG-WHT", 1), ("SHIRT-BLK-M", 2)]
    assert order.state != "pending"  # financial_status paid: captured, so confirmed and beyond
    assert WebhookDelivery.objects.get().order == order


def test_shopify_mapping_keeps_the_big_id_exact_and_amounts_as_decimals():
    draft = shopify_order_draft(json.loads(fixture_bytes("shopify_order_create.json"), parse_float=Decimal))

    assert draft.external_id == SHOPIFY_ID
    assert draft.stated_total == Decimal("67.20")
    assert draft.shipping_total == Decimal("4.90")
    assert draft.price_mode == "gross"
    assert draft.payment_captured is True
    assert draft.shipping_address.street == "Schillerstraße 12"
    assert draft.shipping_address.name == "Lena Hoffmann"
    assert draft.customer.language == "de"
    assert [(line.sku, line.unit_price) for line in draft.lines] == [
        ("SHIRT-BLK-M", Decimal("24.90")),
        ("MUG-WHT", Decimal("12.50")),
    ]


def test_shopify_pending_payment_is_not_captured():
    payload = fixture_json("shopify_order_create.json")
    payload["financial_status"] = "pending"

    assert shopify_order_draft(payload).payment_captured is False


@pytest.mark.parametrize(
    "signature",
    ["", "AAAA", compute_signature("wrong-secret", fixture_bytes("shopify_order_create.json"))],
    ids=["empty", "garbage", "other-secret"],
)
def test_shopify_bad_signature_is_401_and_stores_nothing(client, channel, products, signature):
    response = shopify_post(client, fixture_bytes("shopify_order_create.json"), signature=signature)

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_signature"
    assert nothing_stored()


def test_shopify_body_changed_after_signing_is_401(client, channel, products):
    raw = fixture_bytes("shopify_order_create.json")
    signature = compute_signature(WEBHOOK_SECRET, raw)

    response = shopify_post(client, raw.replace(b'"67.20"', b'"0.01"'), signature=signature)

    assert response.status_code == 401
    assert nothing_stored()


def test_shopify_signature_is_checked_before_the_body_is_parsed(client, channel, products):
    # Unsigned garbage gets 401, not 400: nothing about the body is looked at before the HMAC.
    response = shopify_post(client, b"{not json", signature="AAAA")

    assert response.status_code == 401


def test_shopify_unknown_channel_is_401(client, channel, products):
    raw = fixture_bytes("shopify_order_create.json")

    response = client.post(
        "/webhooks/shopify/nope/orders-create/",
        data=raw,
        content_type="application/json",
        HTTP_X_SHOPIFY_HMAC_SHA256=compute_signature(WEBHOOK_SECRET, raw),
    )

    assert response.status_code == 401
    assert nothing_stored()


def test_shopify_repeated_delivery_creates_nothing_new(client, channel, products):
    raw = fixture_bytes("shopify_order_create.json")

    first = shopify_post(client, raw)
    same_delivery = shopify_post(client, raw)
    new_delivery_same_order = shopify_post(client, raw, HTTP_X_SHOPIFY_WEBHOOK_ID="another-delivery")

    assert first.json()["status"] == "created"
    assert (same_delivery.status_code, same_delivery.json()["status"]) == (200, "duplicate")
    assert (new_delivery_same_order.status_code, new_delivery_same_order.json()["status"]) == (200, "duplicate")
    assert Order.objects.count() == 1


def test_shopify_unknown_sku_is_422_explaining_and_stores_nothing(client, channel, products):
    payload = fixture_json("shopify_order_create.json")
    payload["line_items"][1]["sku"] = "NOT-IN-CATALOGUE"

    response = shopify_post(client, json.dumps(payload).encode())

    assert response.status_code == 422
    assert "NOT-IN-CATALOGUE" in response.content.decode()
    assert nothing_stored()


def test_shopify_line_without_sku_is_422(client, channel, products):
    payload = fixture_json("shopify_order_create.json")
    payload["line_items"][0]["sku"] = None

    response = shopify_post(client, json.dumps(payload).encode())

    assert response.status_code == 422
    assert "line_items[0].sku" in response.json()["errors"]
    assert nothing_stored()


def test_shopify_signed_but_malformed_json_is_400(client, channel, products):
    response = shopify_post(client, b'{"id": 1, "line_items": [')

    assert response.status_code == 400
    assert nothing_stored()


def test_shopify_2_mb_body_is_413(client, channel, products):
    response = shopify_post(client, b'{"note": "' + b"x" * (2 * 1024 * 1024) + b'"}')

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert nothing_stored()


def test_webhooks_accept_only_post(client, channel):
    assert client.get(SHOPIFY_URL).status_code == 405
    assert client.get(WOO_URL).status_code == 405


# --- WooCommerce --------------------------------------------------------------------------------


def test_woocommerce_ping_is_acknowledged_and_stores_nothing(client, channel):
    response = client.post(
        WOO_URL, data=fixture_bytes("woocommerce_ping.txt"), content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "ping"
    assert nothing_stored()


def test_woocommerce_order_with_valid_signature_becomes_an_order(client, channel, products):
    response = woo_post(client, fixture_bytes("woocommerce_order_created.json"))

    assert response.status_code == 200, response.content
    order = Order.objects.get()
    assert order.external_id == "4711"
    assert order.total == Decimal("67.20")
    assert order.customer.email == "jonas.weber@example.com"
    assert order.shipping_postcode == "79108"
    assert order.state != "pending"  # status processing: paid


def test_woocommerce_mapping_rebuilds_gross_prices_from_net_amounts_and_taxes():
    draft = woocommerce_order_draft(json.loads(fixture_bytes("woocommerce_order_created.json"), parse_float=Decimal))

    assert [(line.sku, line.quantity, line.unit_price, line.discount) for line in draft.lines] == [
        ("SHIRT-BLK-M", 2, Decimal("24.90"), Decimal("0.00")),
        ("MUG-WHT", 1, Decimal("12.50"), Decimal("0.00")),
    ]
    assert draft.shipping_total == Decimal("4.90")
    assert draft.stated_total == Decimal("67.20")
    assert draft.payment_captured is True
    assert draft.payment_method == "card"
    assert draft.billing_address.company == "Weber Feinkost GmbH"
    assert draft.shipping_address.street == "Lagerweg 17"
    assert draft.placed_at is not None and draft.placed_at.utcoffset().total_seconds() == 0


def test_woocommerce_net_prices_and_coupon_discount():
    payload = json.loads(fixture_bytes("woocommerce_order_created.json"), parse_float=Decimal)
    payload["prices_include_tax"] = False
    payload["status"] = "on-hold"
    payload["line_items"][1].update({"subtotal": "10.50", "total": "8.40", "price": Decimal("8.4")})

    draft = woocommerce_order_draft(payload)

    assert draft.price_mode == "net"
    assert (draft.lines[1].unit_price, draft.lines[1].discount) == (Decimal("10.50"), Decimal("2.10"))
    assert draft.shipping_total == Decimal("4.12")
    assert draft.payment_captured is False


def test_woocommerce_bad_signature_is_401_and_stores_nothing(client, channel, products):
    response = woo_post(client, fixture_bytes("woocommerce_order_created.json"), secret="wrong")

    assert response.status_code == 401
    assert nothing_stored()


def test_woocommerce_repeated_order_creates_nothing_new(client, channel, products):
    raw = fixture_bytes("woocommerce_order_created.json")

    woo_post(client, raw)
    again = woo_post(
        client, raw, HTTP_X_WC_WEBHOOK_DELIVERY_ID="second-delivery", HTTP_X_WC_WEBHOOK_TOPIC="order.updated"
    )

    assert (again.status_code, again.json()["status"]) == (200, "duplicate")
    assert Order.objects.count() == 1


def test_woocommerce_failed_order_is_ignored_with_200(client, channel, products):
    payload = fixture_json("woocommerce_order_created.json")
    payload["status"] = "failed"

    response = woo_post(client, json.dumps(payload).encode())

    assert response.status_code == 200
    assert response.json()["status"] == "ignored"
    assert nothing_stored()


def test_woocommerce_unknown_country_or_missing_address_is_422(client, channel, products):
    payload = fixture_json("woocommerce_order_created.json")
    payload["billing"]["postcode"] = ""
    payload["shipping"]["country"] = "ZZ"

    response = woo_post(client, json.dumps(payload).encode())

    assert response.status_code == 422
    assert nothing_stored()


def test_shopify_discount_allocations_become_line_discounts_and_the_rest_an_order_discount():
    payload = fixture_json("shopify_order_create.json")
    payload["line_items"][1]["discount_allocations"] = [{"amount": "2.50", "discount_application_index": 0}]
    payload["total_discounts"] = "3.50"
    payload["total_price"] = "63.70"

    draft = shopify_order_draft(payload)

    assert draft.lines[1].discount == Decimal("2.50")
    assert draft.discount_total == Decimal("1.00")
    assert draft.stated_total == Decimal("63.70")


def test_shopify_discounted_order_is_taken_in_with_matching_totals(client, channel, products):
    payload = fixture_json("shopify_order_create.json")
    payload["line_items"][1]["discount_allocations"] = [{"amount": "2.50", "discount_application_index": 0}]
    payload["total_discounts"] = "2.50"
    payload["total_price"] = "64.70"

    response = shopify_post(client, json.dumps(payload).encode())

    assert response.status_code == 200, response.content
    assert Order.objects.get().total == Decimal("64.70")


@pytest.mark.parametrize(
    ("mutate", "signature"),
    [
        (lambda raw: raw, ""),
        (lambda raw: raw, "not-base64!"),
        (lambda raw: raw, compute_signature("another-shop-secret", fixture_bytes("woocommerce_order_created.json"))),
        (
            lambda raw: raw.replace(b'"67.20"', b'"0.01"'),
            compute_signature(WEBHOOK_SECRET, fixture_bytes("woocommerce_order_created.json")),
        ),
        (lambda raw: b"{not json", "AAAA"),
    ],
    ids=["empty", "garbage", "other-secret", "body-changed-after-signing", "unsigned-garbage"],
)
def test_woocommerce_signature_is_checked_first_and_a_bad_one_stores_nothing(
    client, channel, products, mutate, signature
):
    raw = mutate(fixture_bytes("woocommerce_order_created.json"))

    response = woo_post(client, raw, signature=signature)

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_signature"
    assert nothing_stored()


def test_woocommerce_without_a_signature_header_is_401(client, channel, products):
    response = client.post(
        WOO_URL, data=fixture_bytes("woocommerce_order_created.json"), content_type="application/json"
    )

    assert response.status_code == 401
    assert nothing_stored()


def test_woocommerce_signed_but_malformed_json_is_400(client, channel, products):
    response = woo_post(client, b'{"id": 4711, "line_items": [')

    assert response.status_code == 400
    assert nothing_stored()


def test_woocommerce_2_mb_body_is_413(client, channel, products):
    response = woo_post(client, b'{"customer_note": "' + b"x" * (2 * 1024 * 1024) + b'"}')

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert nothing_stored()


def test_woocommerce_unknown_sku_is_422_naming_it_and_stores_nothing(client, channel, products):
    payload = fixture_json("woocommerce_order_created.json")
    payload["line_items"][0]["sku"] = "NOT-IN-CATALOGUE"

    response = woo_post(client, json.dumps(payload).encode())

    assert response.status_code == 422
    assert "NOT-IN-CATALOGUE" in response.content.decode()
    assert nothing_stored()


@pytest.mark.parametrize(
    ("source", "change", "field"),
    [
        ("shopify", lambda p: p.update(note="Bitte klingeln\u0000"), "note"),
        ("shopify", lambda p: p["line_items"][0].update(sku="SHIRT-BLK-M\u0000"), "line_items[0].sku"),
        ("shopify", lambda p: p.update(id="57349721\u0000"), "id"),
        ("woocommerce", lambda p: p["shipping"].update(city="Freiburg\u0000"), "shipping.city"),
        ("woocommerce", lambda p: p.update(customer_note="\u0000"), "customer_note"),
    ],
    ids=["shopify-note", "shopify-sku", "shopify-id", "woo-city", "woo-note"],
)
def test_a_signed_payload_with_null_characters_is_taken_in_cleaned_and_held(
    client, channel, products, source, change, field
):
    """PostgreSQL cannot store NUL; the shop has taken the order all the same: NUL is removed and
    the order held with the field named, never refused."""
    name = "shopify_order_create.json" if source == "shopify" else "woocommerce_order_created.json"
    payload = fixture_json(name)
    change(payload)

    response = (shopify_post if source == "shopify" else woo_post)(client, json.dumps(payload).encode())

    assert response.status_code == 200, response.content
    order = Order.objects.get()
    assert order.state == "on_hold"
    assert f" {field} " in order.hold_reason
    assert "\x00" not in order.customer_note + order.external_id + order.shipping_city
    assert "\x00" not in "".join(order.lines.values_list("sku", flat=True))


@pytest.mark.parametrize(
    ("quantity", "net", "tax"),
    [
        (4, "20.92", "3.98"),  # 24.90 gross: 6.225 a unit, a half cent to round
        (3, "25.19", "4.79"),  # 29.98 gross: 9.99333 a unit, rounding to the nearest cent loses one
    ],
)
def test_woocommerce_unit_prices_that_do_not_divide_evenly_keep_the_line_amount_the_shop_charged(
    client, channel, products, quantity, net, tax
):
    payload = json.loads(fixture_bytes("woocommerce_order_created.json"), parse_float=Decimal)
    line = payload["line_items"][1]
    line.update({"quantity": quantity, "subtotal": net, "subtotal_tax": tax, "total": net, "total_tax": tax})
    charged = Decimal(net) + Decimal(tax)
    payload["total"] = str(Decimal("49.80") + charged + Decimal("4.90"))

    draft = woocommerce_order_draft(payload)
    mapped = draft.lines[1]
    assert mapped.unit_price * mapped.quantity - mapped.discount == charged
    assert mapped.unit_price == mapped.unit_price.quantize(Decimal("0.01"))

    response = woo_post(client, json.dumps(payload, default=str).encode())
    assert response.status_code == 200, response.content
    assert Order.objects.get().total == Decimal(payload["total"])
