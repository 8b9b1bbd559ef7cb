"""The carriers a German online shop ships with, as data: DHL Paket, DPD, GLS, Hermes and UPS.

``seed_carriers()`` writes them (carriers, services, destinations with transit days, the cost
table) and is safe to run again: it updates what it finds by code and adds what is missing,
leaving secrets, account numbers and anything an admin added alone. It runs with the demo data
(``seed_demo``); a new installation calls it once the same way.

Transit days are the carriers' published standard times in working days; prices are list prices
of a small business account (net, EUR) and are meant to be edited in the admin.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from fulfillment.carriers.numbers import FORMATS
from fulfillment.models import Carrier, CarrierService, ServiceDestination, ServiceRate

MON_FRI = [0, 1, 2, 3, 4]
MON_SAT = [0, 1, 2, 3, 4, 5]
EU = ["AT", "BE", "CZ", "DK", "ES", "FR", "IT", "LU", "NL", "PL"]


def _days(de: int, near: int, far: int) -> dict[str, int]:
    """Transit days to Germany, to its neighbours, and to the rest of the EU listed above."""
    neighbours = {"AT", "BE", "CZ", "DK", "FR", "LU", "NL", "PL"}
    return {"DE": de, **{c: near if c in neighbours else far for c in EU}}


CARRIERS: list[dict[str, Any]] = [
    {
        "code": "dhl",
        "name": "DHL Paket",
        "integration": "fulfillment.carriers.offline.OfflineDHLPaket",
        "format": "dhl-paket",
        "tracking_url_pattern": "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={tracking_number}",
        "services": [
            {
                "code": "paket",
                "name": "Paket",
                "max_weight_grams": 31_500,
                "delivery_weekdays": MON_SAT,
                "destinations": _days(1, 3, 4),
                "rates": {
                    "DE": [(2_000, "4.19"), (5_000, "5.39"), (10_000, "7.49"), (31_500, "11.99")],
                    "": [(5_000, "13.99"), (31_500, "24.99")],
                },
            },
        ],
    },
    {
        "code": "dpd",
        "name": "DPD",
        "integration": "fulfillment.carriers.offline.OfflineDPD",
        "format": "dpd",
        "tracking_url_pattern": "https://tracking.dpd.de/status/de_DE/parcel/{tracking_number}",
        "services": [
            {
                "code": "classic",
                "name": "Classic",
                "max_weight_grams": 31_500,
                "delivery_weekdays": MON_FRI,
                "destinations": _days(1, 2, 3),
                "rates": {
                    "DE": [(3_000, "4.05"), (10_000, "5.95"), (31_500, "9.90")],
                    "": [(10_000, "11.50"), (31_500, "19.90")],
                },
            },
            {
                "code": "express",
                "name": "Express 12",
                "max_weight_grams": 31_500,
                "delivery_weekdays": MON_SAT,
                "is_express": True,
                "destinations": {"DE": 1, "AT": 1, "NL": 1, "BE": 1, "LU": 1},
                "rates": {"": [(31_500, "19.90")]},
            },
        ],
    },
    {
        "code": "gls",
        "name": "GLS",
        "integration": "fulfillment.carriers.offline.OfflineGLS",
        "format": "gls",
        "tracking_url_pattern": "https://gls-group.com/DE/de/paketverfolgung?match={tracking_number}",
        "services": [
            {
                "code": "business",
                "name": "BusinessParcel",
                "max_weight_grams": 40_000,
                "delivery_weekdays": MON_FRI,
                "destinations": _days(1, 2, 4),
                "rates": {
                    "DE": [(5_000, "4.29"), (15_000, "6.20"), (40_000, "10.80")],
                    "": [(15_000, "12.40"), (40_000, "21.00")],
                },
            },
        ],
    },
    {
        "code": "hermes",
        "name": "Hermes",
        "integration": "fulfillment.carriers.offline.OfflineHermes",
        "format": "hermes",
        "tracking_url_pattern": "https://www.myhermes.de/empfangen/sendungsverfolgung/sendungsinformation/#{tracking_number}",
        "services": [
            {
                "code": "paket",
                "name": "Paket",
                "max_weight_grams": 25_000,
                "delivery_weekdays": MON_SAT,
                "destinations": {"DE": 2, "AT": 3},
                "rates": {"DE": [(2_000, "3.79"), (5_000, "4.79"), (25_000, "8.49")], "AT": [(25_000, "12.90")]},
            },
        ],
    },
    {
        "code": "ups",
        "name": "UPS",
        "integration": "fulfillment.carriers.offline.OfflineUPS",
        "format": "ups",
        "tracking_url_pattern": "https://www.ups.com/track?loc=de_DE&tracknum={tracking_number}",
        "services": [
            {
                "code": "standard",
                "name": "Standard",
                "max_weight_grams": 70_000,
                "delivery_weekdays": MON_FRI,
                "destinations": {**_days(1, 2, 3), "CH": 3, "GB": 4, "NO": 4, "US": 6},
                "rates": {
                    "DE": [(5_000, "6.90"), (20_000, "9.90"), (70_000, "24.00")],
                    "": [(10_000, "16.90"), (70_000, "39.00")],
                },
            },
            {
                "code": "express-saver",
                "name": "Express Saver",
                "max_weight_grams": 70_000,
                "delivery_weekdays": MON_FRI,
                "is_express": True,
                "destinations": {**{c: 1 for c in ["DE", *EU]}, "CH": 1, "GB": 2, "NO": 2, "US": 2},
                "rates": {"DE": [(5_000, "14.90"), (70_000, "39.00")], "": [(5_000, "29.00"), (70_000, "69.00")]},
            },
        ],
    },
]


@transaction.atomic
def seed_carriers(**_: Any) -> list[Carrier]:
    """Write the carriers above (idempotent; see the module docstring). Returns the carriers."""
    carriers = []
    for data in CARRIERS:
        carrier, _created = Carrier.objects.update_or_create(
            code=data["code"],
            defaults={
                "name": data["name"],
                "integration": data["integration"],
                "tracking_url_pattern": data["tracking_url_pattern"],
                "tracking_number_pattern": FORMATS[data["format"]].pattern.pattern,
            },
        )
        for service_data in data["services"]:
            service, _created = CarrierService.objects.update_or_create(
                carrier=carrier,
                code=service_data["code"],
                defaults={
                    "name": service_data["name"],
                    "max_weight_grams": service_data["max_weight_grams"],
                    "delivery_weekdays": service_data["delivery_weekdays"],
                    "is_express": service_data.get("is_express", False),
                },
            )
            for country, days in service_data["destinations"].items():
                ServiceDestination.objects.update_or_create(
                    service=service, country=country, defaults={"transit_days": days}
                )
            for country, bands in service_data["rates"].items():
                for grams, price in bands:
                    ServiceRate.objects.update_or_create(
                        service=service, country=country, max_weight_grams=grams, defaults={"price": Decimal(price)}
                    )
        carriers.append(carrier)
    return carriers
