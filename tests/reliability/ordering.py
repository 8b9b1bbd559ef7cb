"""Shared set-up of the reliability tests: a channel, products with stock, orders through the API."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal
from typing import Any

from django.test import Client

ORDERS_PATH = "/api/v1/orders/"


def make_channel(code: str = "web", *, webhook_secret: str = "") -> Any:
    from orders.models import Channel

    channel, _ = Channel.objects.get_or_create(code=code, defaults={"name": code.title()})
    if webhook_secret and getattr(channel, "webhook_secret", None) != webhook_secret:
        channel.webhook_secret = webhook_secret
        channel.save()
    return channel


def make_warehouse(code: str = "BER") -> Any:
    from inventory.models import Warehouse

    warehouse, _ = Warehouse.objects.get_or_create(code=code, defaults={"name": f"Lager {code}", "country": "DE"})
    return warehouse


def make_product(sku: str, *, units: int = 0, price: str = "19.99") -> Any:
    """A product with ``units`` received into the first warehouse through the stock service."""
    from inventory.models import Product
    from inventory.services.stock import receive_stock

    gross = Decimal(price)
    product, _ = Product.objects.get_or_create(
        sku=sku,
        defaults={
            "name": f"Artikel {sku}",
            "gross_price": gross,
            "net_price": (gross / Decimal("1.19")).quantize(Decimal("0.01")),
        },
    )
    if units:
        receive_stock(product=product, warehouse=make_warehouse(), quantity=units, reference="test")
    return product


def order_body(skus: list[str], *, external_id: str | None = None, price: str = "19.99") -> dict[str, Any]:
    address = {
        "name": "Erika Mustermann",
        "street": "Hauptstraße 1",
        "postcode": "10115",
        "city": "Berlin",
        "country": "DE",
    }
    return {
        "external_id": external_id or f"rel-{uuid.uuid4().hex[:12]}",
        "customer": {"email": "erika@example.de", "name": "Erika Mustermann"},
        "billing_address": address,
        "lines": [{"sku": sku, "quantity": 1, "unit_price": price} for sku in skus],
        "payment": {"method": "invoice"},
    }


def api_client(channel_code: str = "web") -> Client:
    from oms.api_keys import create_api_key

    _, raw = create_api_key(channel_code=channel_code, name="reliability")
    return Client(HTTP_AUTHORIZATION=f"Api-Key {raw}")


def place_orders_through_api(count: int) -> list[tuple[int, Any]]:
    """Place ``count`` orders (one unit of REL-1 each) through the API: (status, body) per order."""
    make_channel("web")
    make_product("REL-1", units=100)
    client = api_client("web")
    out = []
    for _ in range(count):
        response = client.post(
            ORDERS_PATH,
            json.dumps(order_body(["REL-1"])),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex,
        )
        out.append((response.status_code, response.json()))
    return out


def order_draft(quantities: dict[str, int], *, payment_method: str = "invoice", price: str = "19.99"):
    """An intake draft (``orders.services.intake.OrderDraft``): {sku: quantity}, gross prices."""
    from orders.services.drafts import AddressDraft, CustomerDraft, LineDraft, OrderDraft

    address = AddressDraft(
        name="Erika Mustermann", street="Hauptstraße 1", postcode="10115", city="Berlin", country="DE"
    )
    return OrderDraft(
        customer=CustomerDraft(email="erika@example.de", name="Erika Mustermann"),
        billing_address=address,
        shipping_address=address,
        lines=[LineDraft(sku=sku, quantity=q, unit_price=Decimal(price)) for sku, q in quantities.items()],
        currency="EUR",
        price_mode="gross",
        shipping_total=Decimal("4.90"),
        discount_total=Decimal("0.00"),
        payment_method=payment_method,
        external_id=f"draft-{uuid.uuid4().hex[:12]}",
    )
