"""Demo catalogue: a few hundred household, kitchen, garden, outdoor and tool products, three
warehouses (Leipzig, Vienna, Venlo) with bins, suppliers, opening stock and open purchase orders.

Idempotent: does nothing when products exist. Opening stock goes through
``receive_opening_stock`` (bulk, with one receipt ledger row per bin), so the ledger equals
``on_hand`` and ``seed_demo`` on SQLite takes seconds.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from inventory.models import BinLocation, Category, Product, Supplier, VatRate, Warehouse
from inventory.models.catalog import gtin_check_digit
from inventory.services.receiving import OrderLineInput, create_purchase_order
from inventory.services.stock import OpeningStock, receive_opening_stock
from oms.money import net_from_gross

# (category, SKU prefix, VAT, [(base name, grams, (l, w, h) mm, gross price from-to)], variants)
CATALOGUE: list[tuple[str, str, Decimal, list[tuple[str, int, tuple[int, int, int], tuple[int, int]]], list[str]]] = [
    (
        "Haushalt",
        "HH",
        VatRate.STANDARD,
        [
            ("Wäschekorb", 900, (500, 350, 300), (12, 25)),
            ("Bügelbrett", 5200, (1300, 380, 60), (35, 79)),
            ("Wäscheständer", 3100, (1800, 560, 40), (25, 60)),
            ("Staubwedel", 120, (500, 80, 80), (5, 12)),
            ("Mikrofasertuch 5er-Set", 200, (300, 200, 30), (6, 14)),
            ("Aufbewahrungsbox", 700, (400, 300, 250), (8, 20)),
            ("Kleiderbügel 10er-Set", 1100, (450, 250, 80), (9, 18)),
            ("Wischmopp-Set", 2300, (1300, 300, 250), (20, 45)),
        ],
        ["weiß", "grau", "anthrazit", "Bambus", "XL", "kompakt"],
    ),
    (
        "Küche",
        "KU",
        VatRate.STANDARD,
        [
            ("Bratpfanne", 1400, (480, 290, 80), (25, 89)),
            ("Kochtopf", 1900, (300, 300, 180), (30, 99)),
            ("Schneidebrett", 800, (400, 280, 20), (10, 35)),
            ("Messerblock", 2500, (250, 150, 350), (45, 149)),
            ("Salatschüssel", 600, (280, 280, 120), (9, 25)),
            ("Küchenwaage", 700, (230, 180, 40), (15, 40)),
            ("Wasserkocher", 1200, (250, 180, 250), (25, 69)),
            ("Vorratsdosen 3er-Set", 900, (300, 100, 200), (12, 30)),
        ],
        ["20 cm", "24 cm", "28 cm", "Edelstahl", "Gusseisen", "Keramik"],
    ),
    (
        "Garten",
        "GA",
        VatRate.STANDARD,
        [
            ("Gartenschere", 250, (210, 60, 25), (12, 45)),
            ("Gartenschlauch", 2600, (350, 350, 120), (20, 60)),
            ("Rasensprenger", 700, (250, 150, 120), (15, 40)),
            ("Pflanzkübel", 1500, (400, 400, 380), (18, 70)),
            ("Heckenschere", 900, (600, 200, 50), (25, 90)),
            ("Gießkanne", 600, (500, 180, 350), (8, 25)),
            ("Laubrechen", 800, (1600, 500, 80), (12, 30)),
            ("Hochbeet", 14000, (1200, 600, 250), (90, 250)),
        ],
        ["10 l", "20 m", "Alu", "Kunststoff", "Profi", "Terracotta"],
    ),
    (
        "Outdoor & Camping",
        "OD",
        VatRate.STANDARD,
        [
            ("Campingstuhl", 2800, (900, 180, 180), (25, 80)),
            ("Kuppelzelt", 4200, (650, 200, 200), (70, 260)),
            ("Schlafsack", 1500, (450, 250, 250), (40, 150)),
            ("Stirnlampe", 90, (150, 80, 60), (15, 50)),
            ("Thermoskanne", 450, (300, 90, 90), (15, 40)),
            ("Wanderrucksack", 1300, (650, 320, 220), (50, 180)),
            ("Isomatte", 900, (600, 150, 150), (20, 90)),
            ("Picknickdecke", 800, (400, 300, 80), (15, 35)),
        ],
        ["1 Person", "2 Personen", "olivgrün", "blau", "ultraleicht", "30 l"],
    ),
    (
        "Werkzeug",
        "WZ",
        VatRate.STANDARD,
        [
            ("Akkuschrauber", 1400, (300, 250, 100), (50, 180)),
            ("Hammer", 700, (330, 120, 35), (10, 30)),
            ("Schraubendreher-Set", 600, (250, 150, 40), (12, 40)),
            ("Wasserwaage", 450, (600, 60, 25), (10, 35)),
            ("Werkzeugkoffer", 3500, (480, 380, 120), (40, 150)),
            ("Zollstock", 300, (240, 40, 20), (5, 15)),
            ("Bohrer-Set", 800, (200, 120, 30), (15, 45)),
            ("Arbeitshandschuhe", 150, (280, 140, 30), (5, 14)),
        ],
        ["Größe 9", "18 V", "60 cm", "12-teilig", "Profi", "Basic"],
    ),
    (
        "Bücher & Ratgeber",
        "BU",
        VatRate.REDUCED,
        [
            ("Gartenratgeber", 600, (240, 170, 25), (15, 30)),
            ("Campingführer Alpen", 450, (210, 140, 20), (18, 28)),
            ("Kochbuch Saisonküche", 900, (270, 210, 25), (20, 35)),
        ],
        ["Band 1", "Band 2", "Neuauflage 2026"],
    ),
]

WAREHOUSES = [
    # code, name, street, postal code, city, country, priority, cut-off
    ("LEJ", "Zentrallager Leipzig", "Am Exer 12", "04158", "Leipzig", "DE", 10, datetime.time(15, 0)),
    ("VIE", "Lager Wien", "Industriestraße 40", "1230", "Wien", "AT", 20, datetime.time(14, 0)),
    ("VNL", "Lager Venlo", "Columbusweg 18", "5928 LC", "Venlo", "NL", 30, datetime.time(13, 0)),
]

SUPPLIERS = [
    ("Haushaltswaren Müller GmbH", "bestellung@mueller-haushalt.example", 7),
    ("Kochwerk Solingen KG", "order@kochwerk.example", 10),
    ("Grünzeug Gartenbedarf GmbH", "einkauf@gruenzeug.example", 14),
    ("Alpin Outdoor Handels GmbH", "sales@alpin-outdoor.example", 21),
    ("Werkzeug Schmidt & Söhne", "vertrieb@schmidt-werkzeug.example", 5),
    ("Ratgeber Verlag", "vertrieb@ratgeber-verlag.example", 3),
]


def _gtin(n: int) -> str:
    body = f"42{n:010d}"  # 42 = a German GS1 prefix range; fictitious item numbers
    return body + str(gtin_check_digit(body))


def _bins(warehouse: Warehouse, aisles: int, racks: int, levels: int) -> list[BinLocation]:
    rows = []
    seq = 0
    for a in range(aisles):
        for r in range(1, racks + 1):
            for lv in range(1, levels + 1):
                seq += 1
                rows.append(BinLocation(warehouse=warehouse, code=f"{chr(65 + a)}-{r:02d}-{lv:02d}", pick_sequence=seq))
    return BinLocation.objects.bulk_create(rows)


@transaction.atomic
def seed_inventory(*, stdout: Any = None, scale: float = 1.0, **_: Any) -> None:
    """Seed the demo catalogue (order 10: orders and demand build on it). ``scale`` shrinks volumes."""

    def say(text: str) -> None:
        if stdout is not None:
            stdout.write(text)

    if Product.objects.exists():
        say("inventory: products exist, skipped")
        return
    rng = random.Random(20261123)
    scale = max(min(scale, 1.0), 0.01)

    warehouses = {
        code: Warehouse.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "street": street,
                "postal_code": postal,
                "city": city,
                "country": country,
                "priority": priority,
                "shipping_cutoff": cutoff,
            },
        )[0]
        for code, name, street, postal, city, country, priority, cutoff in WAREHOUSES
    }
    size = max(1, round(4 * scale))
    bins = {code: list(w.bins.all()) or _bins(w, size, max(2, round(10 * scale)), 4) for code, w in warehouses.items()}
    if any(b.pk is None for bl in bins.values() for b in bl):
        bins = {code: list(w.bins.order_by("pick_sequence")) for code, w in warehouses.items()}
    suppliers = [
        Supplier.objects.get_or_create(name=n, defaults={"email": e, "lead_time_days": d})[0] for n, e, d in SUPPLIERS
    ]

    products: list[Product] = []
    n = 0
    for index, (category_name, prefix, vat, bases, variants) in enumerate(CATALOGUE):
        category, _created = Category.objects.get_or_create(
            name=category_name, defaults={"slug": slugify(category_name)}
        )
        supplier = suppliers[index % len(suppliers)]
        per_base = max(1, round(len(variants) * scale))
        for b, (base, grams, (length, width, height), (low, high)) in enumerate(bases):
            for v, variant in enumerate(variants[:per_base]):
                n += 1
                gross = Decimal(rng.randint(low * 100, high * 100) // 100) + Decimal("0.99")
                preorder = variant == "Neuauflage 2026"
                products.append(
                    Product(
                        sku=f"{prefix}-{b + 1:02d}{v + 1:02d}",
                        name=f"{base} {variant}",
                        gtin=_gtin(n),
                        category=category,
                        weight_grams=int(grams * rng.uniform(0.8, 1.3)),
                        length_mm=length,
                        width_mm=width,
                        height_mm=height,
                        gross_price=gross,
                        net_price=net_from_gross(gross, vat),
                        vat_rate=vat,
                        default_supplier=supplier,
                        is_preorder=preorder,
                        release_date=datetime.date(2027, 2, 15) if preorder else None,
                    )
                )
    Product.objects.bulk_create(products)
    products = list(Product.objects.order_by("sku"))

    # Opening stock: most SKUs in Leipzig, fewer in Vienna and Venlo, some sold out; a slice unbinned.
    entries: list[OpeningStock] = []
    share = {"LEJ": 0.9, "VIE": 0.55, "VNL": 0.4}
    for product in products:
        if product.is_preorder:
            continue
        for code, warehouse in warehouses.items():
            if rng.random() > share[code]:
                continue
            quantity = rng.choice([0, 2, 5, 8, 12, 20, 35, 60, 120])
            if quantity == 0:
                continue
            bin = rng.choice(bins[code])
            unbinned = quantity // 10 if rng.random() < 0.2 else 0
            entries.append(OpeningStock(product.pk, warehouse.pk, quantity - unbinned, bin.pk))
            if unbinned:
                entries.append(OpeningStock(product.pk, warehouse.pk, unbinned))
    units = receive_opening_stock(entries=entries, reference="seed:opening", reason="Anfangsbestand (Demo)")

    # Open purchase orders, some overdue, some partly received later by the receiving screen.
    today = timezone.localdate()
    po_count = max(2, round(12 * scale))
    for i in range(po_count):
        supplier = suppliers[i % len(suppliers)]
        candidates = [p for p in products if p.default_supplier_id == supplier.pk] or products
        chosen = rng.sample(candidates, k=min(len(candidates), rng.randint(2, 6)))
        create_purchase_order(
            supplier=supplier,
            warehouse=list(warehouses.values())[i % len(warehouses)],
            expected_date=today + datetime.timedelta(days=rng.randint(-3, 30)),
            lines=[
                OrderLineInput(
                    p.pk, rng.choice([10, 20, 24, 50, 100]), (p.net_price * Decimal("0.55")).quantize(Decimal("0.01"))
                )
                for p in chosen
            ],
            note="Demo",
        )
    say(
        f"inventory: {len(products)} products, {len(warehouses)} warehouses, "
        f"{sum(len(b) for b in bins.values())} bins, {units} units in stock, {po_count} open purchase orders"
    )
