"""The same Shopify ``orders/create`` webhook delivered 5 times at once makes one order.

Shopify retries a delivery it thinks failed (same ``X-Shopify-Webhook-Id``) and may also send the
same order as separate events (different webhook ids, same order id). Both are raced here
through a live server with 5 concurrent connections.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import threading
import uuid
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from tests.reliability import ordering

pytestmark = [pytest.mark.reliability, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SECRET = "shpss_reliability_secret"


def shopify_path(channel_code: str) -> str:
    return reverse("orders:webhook-shopify-orders-create", args=[channel_code])


def shopify_payload(order_id: int, sku: str) -> bytes:
    address = {
        "first_name": "Erika", "last_name": "Mustermann", "address1": "Hauptstraße 1", "zip": "10115",
        "city": "Berlin", "country_code": "DE",
    }  # fmt: skip
    return json.dumps(
        {
            "id": order_id,
            "email": "erika@example.de",
            "currency": "EUR",
            "taxes_included": True,
            "total_price": "24.89",
            "total_discounts": "0.00",
            "financial_status": "paid",
            "payment_gateway_names": ["shopify_payments"],
            "customer": {"first_name": "Erika", "last_name": "Mustermann", "email": "erika@example.de"},
            "billing_address": address,
            "shipping_address": address,
            "line_items": [{"sku": sku, "quantity": 1, "price": "19.99", "title": "Becher"}],
            "shipping_lines": [{"price": "4.90", "title": "DHL"}],
        }
    ).encode()


def deliver_concurrently(live_server, path: str, body: bytes, webhook_ids: list[str]) -> list[tuple[int, dict]]:
    """POST the same body once per webhook id, all at the same moment, each on its own connection
    (the live server answers each in its own thread with its own database connection)."""
    signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    url = urlsplit(live_server.url)
    barrier = threading.Barrier(len(webhook_ids))
    answers: list[tuple[int, dict]] = []
    lock = threading.Lock()

    def send(webhook_id: str) -> None:
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Hmac-Sha256": signature,
            "X-Shopify-Topic": "orders/create",
            "X-Shopify-Webhook-Id": webhook_id,
            "X-Shopify-Shop-Domain": "example.myshopify.com",
        }
        barrier.wait()
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        answer = (response.status, json.loads(response.read() or b"{}"))
        conn.close()
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=send, args=(wid,)) for wid in webhook_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return answers


@pytest.mark.parametrize("same_webhook_id", [True, False], ids=["retried-delivery", "repeated-event"])
def test_five_concurrent_deliveries_of_one_shopify_order_create_one_order(live_server, same_webhook_id):
    from inventory.models import StockLevel
    from orders.models import Order, OrderLine

    path = shopify_path("shopify")
    channel = ordering.make_channel("shopify", webhook_secret=SECRET)
    ordering.make_product("SHOP-1", units=10)
    shopify_order_id = 5_678_901_234_567_890_123  # beyond 2**53, as real ones are
    body = shopify_payload(shopify_order_id, "SHOP-1")
    webhook_ids = [str(uuid.uuid4())] * 5 if same_webhook_id else [str(uuid.uuid4()) for _ in range(5)]

    answers = deliver_concurrently(live_server, path, body, webhook_ids)

    assert len(answers) == 5
    assert all(status in (200, 201) for status, _ in answers), answers  # Shopify must not retry
    assert sorted(answer["status"] for _, answer in answers) == ["created"] + ["duplicate"] * 4, answers
    orders = Order.objects.filter(channel=channel, external_id=str(shopify_order_id))
    assert orders.count() == 1
    assert Order.objects.filter(channel=channel).count() == 1
    # Stock was reserved once, for the one line of the one order.
    order = orders.get()
    assert list(OrderLine.objects.filter(order=order).values_list("sku", "quantity")) == [("SHOP-1", 1)]
    assert [level.reserved for level in StockLevel.objects.filter(product__sku="SHOP-1")] == [1]
