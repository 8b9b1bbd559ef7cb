"""Fixtures of the support desk tests: a catalogue with stock, channels, and orders placed through intake.

Orders are created by the real intake service (never by setting state), as STYLE.md §12 asks.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from inventory.models import Product, Warehouse
from inventory.services.stock import receive_stock
from orders.models import Channel, ChannelKind
from orders.services.drafts import AddressDraft, CustomerDraft, LineDraft, OrderDraft
from orders.services.intake import place_order

__all__ = ["catalogue", "english_ui", "marketplace", "warehouse", "webshop"]


def make_product(sku: str, name: str, gross: str, *, stock: int = 0, warehouse: Warehouse | None = None) -> Product:
    price = Decimal(gross)
    product = Product.objects.create(
        sku=sku, name=name, gross_price=price, net_price=(price / Decimal("1.19")).quantize(Decimal("0.01"))
    )
    if stock and warehouse is not None:
        receive_stock(product=product, warehouse=warehouse, quantity=stock, reason="test stock")
    return product


@pytest.fixture(autouse=True)
def english_ui(settings) -> None:
    """Pages in English whatever the default language, so assertions on texts stay valid once the
    German catalogue is filled in."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def warehouse(db) -> Warehouse:
    return Warehouse.objects.create(code="BER", name="Berlin", country="DE", priority=1, city="Berlin")


@pytest.fixture
def catalogue(db, warehouse) -> dict[str, Product]:
    return {
        "SHIRT-BLK-M": make_product("SHIRT-BLK-M", "Bio-T-Shirt Schwarz M", "24.90", stock=50, warehouse=warehouse),
        "MUG-WHT": make_product("MUG-WHT", "Emaille-Becher Weiss", "12.50", stock=20, warehouse=warehouse),
        "LAMP-XL": make_product("LAMP-XL", "Stehlampe XL", "149.00", stock=0, warehouse=warehouse),
    }


@pytest.fixture
def webshop(db) -> Channel:
    return Channel.objects.create(code="webshop", name="Web shop", kind=ChannelKind.WEB_SHOP)


@pytest.fixture
def marketplace(db) -> Channel:
    return Channel.objects.create(code="market", name="Marketplace", kind=ChannelKind.MARKETPLACE)


def address(**overrides: Any) -> AddressDraft:
    values = {
        "name": "Anna Schmidt",
        "company": "",
        "street": "Lindenstraße 5",
        "line2": "",
        "postcode": "10115",
        "city": "Berlin",
        "country": "DE",
        "phone": "",
    }
    values.update(overrides)
    return AddressDraft(**values)


def place(
    channel: Channel,
    *,
    email: str = "anna@example.com",
    name: str = "Anna Schmidt",
    phone: str = "+49 30 1234567",
    lines: list[tuple[str, int, str]] | None = None,
    external_id: str = "",
    payment_method: str = "invoice",
    **address_overrides: Any,
):
    """Place an order through intake (invoice: confirmed on terms, then routed and allocated)."""
    addr = address(name=name, phone=phone, **address_overrides)
    draft = OrderDraft(
        customer=CustomerDraft(email=email, name=name, phone=phone, language="de", company="", vat_id=""),
        billing_address=addr,
        shipping_address=addr,
        lines=[
            LineDraft(sku=sku, quantity=qty, unit_price=Decimal(price), discount=Decimal("0.00"))
            for sku, qty, price in (lines or [("SHIRT-BLK-M", 2, "24.90")])
        ],
        currency="EUR",
        price_mode="gross",
        shipping_total=Decimal("4.90"),
        discount_total=Decimal("0.00"),
        stated_total=None,
        payment_method=payment_method,
        payment_captured=False,
        external_id=external_id,
        placed_at=None,
        notes="",
    )
    return place_order(channel=channel, draft=draft, actor_label="test", user=None).order
