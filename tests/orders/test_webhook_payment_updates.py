"""Orders that shops report before they are paid (PayPal or bank transfer on WooCommerce: status
pending or on-hold; Shopify: financial_status pending) come in pending. When the shop reports
the payment (WooCommerce order.updated with status processing, Shopify orders/paid), the order
must be confirmed and allocated, once, however often the shop repeats the delivery."""

# ruff: noqa: F811

from __future__ import annotations

import json

import pytest

from orders.models import Order, OrderState, PaymentState, PaymentTransaction
from tests.orders.api_fixtures import channel, fixture_json, products  # noqa: F401  (fixtures)
from tests.orders.test_webhooks import DELIVERED, shopify_post, woo_post

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(DELIVERED)]  # minutes after the shops took the orders


def test_a_woocommerce_order_paid_after_checkout_is_confirmed_by_its_update(client, channel, products):
    payload = fixture_json("woocommerce_order_created.json")
    payload.update(status="pending", payment_method="paypal", date_paid_gmt=None)
    assert woo_post(client, json.dumps(payload).encode()).status_code == 200
    assert Order.objects.get().state == OrderState.PENDING

    payload["status"] = "processing"
    for delivery in ("update-1", "update-2"):  # the shop repeats it
        response = woo_post(
            client,
            json.dumps(payload).encode(),
            HTTP_X_WC_WEBHOOK_TOPIC="order.updated",
            HTTP_X_WC_WEBHOOK_DELIVERY_ID=delivery,
        )
        assert response.status_code == 200, response.content

    order = Order.objects.get()
    assert order.payment_state == PaymentState.PAID
    assert order.state != OrderState.PENDING
    assert PaymentTransaction.objects.filter(order=order).count() == 1


def test_a_shopify_order_paid_later_is_confirmed_by_orders_paid(client, channel, products):
    payload = fixture_json("shopify_order_create.json")
    payload.update(financial_status="pending", payment_gateway_names=["bank_deposit"])
    assert shopify_post(client, json.dumps(payload).encode()).status_code == 200
    assert Order.objects.get().state == OrderState.PENDING

    payload["financial_status"] = "paid"
    response = shopify_post(
        client,
        json.dumps(payload).encode(),
        HTTP_X_SHOPIFY_TOPIC="orders/paid",
        HTTP_X_SHOPIFY_WEBHOOK_ID="paid-delivery-1",
    )

    assert response.status_code == 200, response.content
    order = Order.objects.get()
    assert (order.payment_state, order.state != OrderState.PENDING) == (PaymentState.PAID, True)


def test_an_update_that_is_still_unpaid_changes_nothing(client, channel, products):
    payload = fixture_json("woocommerce_order_created.json")
    payload.update(status="on-hold", payment_method="bacs")
    woo_post(client, json.dumps(payload).encode())

    response = woo_post(
        client, json.dumps(payload).encode(), HTTP_X_WC_WEBHOOK_TOPIC="order.updated", HTTP_X_WC_WEBHOOK_DELIVERY_ID="u"
    )

    assert response.status_code == 200
    order = Order.objects.get()
    assert (order.state, order.payment_state) == (OrderState.PENDING, PaymentState.UNPAID)
    assert not PaymentTransaction.objects.exists()
