"""factory_boy factories for inventory master data. Stock itself comes from the real services
(``receive_stock``), never from setting ``on_hand``, so the ledger always balances."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from inventory.models import (
    BinLocation,
    Category,
    ChannelStockBuffer,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    Supplier,
    Warehouse,
)
from inventory.models.catalog import gtin_check_digit


def _gtin(n: int) -> str:
    body = f"400{n:09d}"
    return body + str(gtin_check_digit(body))


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Kategorie {n}")
    slug = factory.Sequence(lambda n: f"kategorie-{n}")


class SupplierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Supplier

    name = factory.Sequence(lambda n: f"Lieferant {n} GmbH")
    email = factory.Sequence(lambda n: f"einkauf{n}@lieferant.example")
    lead_time_days = 10


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    name = factory.Sequence(lambda n: f"Gartenschere Modell {n}")
    gtin = factory.Sequence(_gtin)
    category = factory.SubFactory(CategoryFactory)
    weight_grams = 350
    length_mm, width_mm, height_mm = 200, 80, 30
    net_price = Decimal("16.80")
    gross_price = Decimal("19.99")
    vat_rate = Decimal("19.00")


class WarehouseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Warehouse

    code = factory.Sequence(lambda n: f"WH{n}")
    name = factory.Sequence(lambda n: f"Lager {n}")
    street = "Industriestraße 1"
    postal_code = "04129"
    city = "Leipzig"
    country = "DE"
    priority = factory.Sequence(lambda n: 10 + n)
    shipping_cutoff = datetime.time(14, 0)


class BinLocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BinLocation

    warehouse = factory.SubFactory(WarehouseFactory)
    code = factory.Sequence(lambda n: f"A-{n // 10 + 1:02d}-{n % 10 + 1:02d}")
    pick_sequence = factory.Sequence(lambda n: n)


class PurchaseOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PurchaseOrder

    number = factory.Sequence(lambda n: f"PO-T{n:05d}")
    supplier = factory.SubFactory(SupplierFactory)
    warehouse = factory.SubFactory(WarehouseFactory)
    expected_date = datetime.date(2026, 12, 1)


class PurchaseOrderLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PurchaseOrderLine

    purchase_order = factory.SubFactory(PurchaseOrderFactory)
    product = factory.SubFactory(ProductFactory)
    quantity_ordered = 10


class ChannelStockBufferFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ChannelStockBuffer

    channel_code = "marketplace"
    product = None
    buffer = 2
