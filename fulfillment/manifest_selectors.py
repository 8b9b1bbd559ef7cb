"""Reads for the end-of-day handover manifests: their rows for the PDF and the CSV, and the
parcels still waiting to be handed over."""

from __future__ import annotations

import csv
import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from fulfillment.models import Manifest, Package


@dataclass(frozen=True)
class ManifestRow:
    tracking_number: str
    shipment_reference: str
    order_number: str
    recipient: str
    postcode: str
    city: str
    country: str
    service: str
    weight_grams: int
    package: str  # "1/2"

    @property
    def weight_kg(self) -> Decimal:
        return (Decimal(self.weight_grams) / 1000).quantize(Decimal("0.001"))


def manifests(*, warehouse_id: int | None = None) -> QuerySet[Manifest]:
    qs = Manifest.objects.select_related("carrier", "warehouse", "document")
    if warehouse_id is not None:
        qs = qs.filter(warehouse_id=warehouse_id)
    return qs.order_by("-business_date", "carrier__name")


def manifest_rows(manifest: Manifest) -> list[ManifestRow]:
    """One row per parcel of the manifest's shipments, in shipment order."""
    packages = (
        Package.objects.filter(shipment__manifest=manifest)
        .select_related("shipment__order", "shipment__carrier_service")
        .order_by("shipment__reference", "number")
    )
    counts: dict[int, int] = {}
    for package in packages:
        counts[package.shipment_id] = counts.get(package.shipment_id, 0) + 1
    rows = []
    for package in packages:
        shipment = package.shipment
        order = shipment.order
        rows.append(
            ManifestRow(
                tracking_number=package.tracking_number or shipment.tracking_number,
                shipment_reference=shipment.reference,
                order_number=order.number,
                recipient=order.shipping_name,
                postcode=order.shipping_postcode,
                city=order.shipping_city,
                country=order.shipping_country,
                service=shipment.carrier_service.name if shipment.carrier_service else "",
                weight_grams=package.weight_grams,
                package=f"{package.number}/{counts[package.shipment_id]}",
            )
        )
    return rows


class _Echo:
    def write(self, value: str) -> str:
        return value


# A text cell starting with one of these is a formula to a spreadsheet program (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: object) -> object:
    return "'" + value if isinstance(value, str) and value.startswith(_FORMULA_START) else value


def _as_text(number: str) -> str:
    """A tracking number Excel keeps as typed: a 20-digit number would otherwise become
    3,40434E+17 and lose its last digits. Only for numbers of letters and digits (the carriers'
    formats), so the formula can never be anything else."""
    return f'="{number}"' if number.isalnum() else str(_cell(number))


def manifest_csv(manifest: Manifest) -> Iterator[str]:
    """The manifest as CSV for German Excel: ``;``-separated, UTF-8 with a byte order mark,
    weights in kilograms with a decimal comma, tracking numbers kept as text (``_as_text``)."""
    writer = csv.writer(_Echo(), delimiter=";")
    header = [
        _("Tracking number"),
        _("Shipment"),
        _("Order"),
        _("Recipient"),
        _("Postcode"),
        _("City"),
        _("Country"),
        _("Service"),
        _("Weight (kg)"),
        _("Package"),
    ]
    yield "\ufeff" + writer.writerow(header)
    for row in manifest_rows(manifest):
        yield writer.writerow(
            [
                _as_text(row.tracking_number),
                _cell(row.shipment_reference),
                _cell(row.order_number),
                _cell(row.recipient),
                _cell(row.postcode),
                _cell(row.city),
                row.country,
                _cell(row.service),
                str(row.weight_kg).replace(".", ","),
                # "1/2" would be read as a date by Excel: spelled out as "1 of 2".
                _("%(number)s of %(count)s") % dict(zip(("number", "count"), row.package.split("/"), strict=True)),
            ]
        )


def manifest_filename(manifest: Manifest, suffix: str) -> str:
    day: datetime.date = manifest.business_date
    return f"manifest-{manifest.carrier.code}-{manifest.warehouse.code}-{day:%Y-%m-%d}.{suffix}"
