"""Factories for the orders app. Rows start in their initial state; later states come from the
real services (``place_order``, ``hold_order``, ``cancel_order`` ...), never from setting ``state``.

``draft(...)`` builds an intake ``OrderDraft``; ``stocked_product(...)`` receives stock through the
inventory service so the ledger balances.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

import factory

from inventory.models import Product, Warehouse
from inventory.services.stock import receive_stock
from orders.countries import postcode_example
from orders.models import Channel, ChannelKind, Customer
from orders.services.drafts import AddressDraft, CustomerDraft, LineDraft, OrderDraft
from orders.services.intake import place_order
from tests.inventory.factories import ProductFactory, WarehouseFactory

_external = itertools.count(1)


class ChannelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Channel
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"shop-{n}")
    name = factory.Sequence(lambda n: f"Webshop {n}")
    kind = ChannelKind.WEB_SHOP
    allows_split_shipments = True


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"kunde{n}@example.de")
    name = factory.Sequence(lambda n: f"Kundin {n}")


def address(**overrides: Any) -> AddressDraft:
    """An address in Berlin, or in ``country`` with a postcode of that country's format (one that
    does not fit would put the order on hold)."""
    values = {
        "name": "Erika Mustermann",
        "street": "Hauptstraße 1",
        "postcode": postcode_example(overrides.get("country", "DE")) or "10115",
        "city": "Berlin",
        "country": "DE",
    }
    values.update(overrides)
    return AddressDraft(**values)


def draft(
    lines: dict[str, int] | list[LineDraft],
    *,
    price: str = "19.99",
    country: str = "DE",
    email: str = "erika@example.de",
    **overrides: Any,
) -> OrderDraft:
    """An intake draft; ``lines`` as {sku: quantity} (unit price ``price``) or LineDrafts."""
    if isinstance(lines, dict):
        lines = [LineDraft(sku=sku, quantity=q, unit_price=Decimal(price)) for sku, q in lines.items()]
    values: dict[str, Any] = {
        "customer": CustomerDraft(email=email, name="Erika Mustermann"),
        "billing_address": address(country=country),
        "shipping_address": address(country=country),
        "lines": lines,
        "external_id": f"ext-{next(_external)}",
    }
    values.update(overrides)
    return OrderDraft(**values)


def warehouse(code: str, *, country: str = "DE", priority: int = 100) -> Warehouse:
    return WarehouseFactory(code=code, name=f"Lager {code}", country=country, priority=priority)


def stocked_product(sku: str, stock: dict[Warehouse, int] | None = None, **fields: Any) -> Product:
    """A product with ``stock`` units received per warehouse (through ``receive_stock``)."""
    product = ProductFactory(sku=sku, **fields)
    for wh, units in (stock or {}).items():
        if units:
            receive_stock(product=product, warehouse=wh, quantity=units, reference="test")
    return product


def order_for(channel: Channel, lines: dict[str, int], **kwargs: Any):
    """Place an order through the real intake service; returns the Order."""
    return place_order(channel=channel, draft=draft(lines, **kwargs)).order
