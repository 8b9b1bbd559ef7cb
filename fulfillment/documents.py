"""The printed documents of fulfillment, rendered by ``oms.documents``: the A6 shipping label
(one page per package), the delivery note of a package and the carrier's end-of-day manifest.

Each builder reads its subject again from the database and returns the template's context; the
labels and notes are in the customer's language, the manifest in the business's.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from fulfillment.barcodes import code128_svg
from fulfillment.manifest_selectors import manifest_rows
from fulfillment.models import Manifest, Package, ReturnParcel, Shipment
from fulfillment.services.labels import DELIVERY_NOTE_DOCUMENT, LABEL_DOCUMENT
from fulfillment.services.manifests import MANIFEST_DOCUMENT
from fulfillment.services.return_labels import RETURN_LABEL_DOCUMENT
from oms import documents
from oms.documents import DocumentContent, DocumentKind
from oms.roles import Role


def kilograms(grams: int) -> Decimal:
    return (Decimal(grams) / 1000).quantize(Decimal("0.01"))


def sender_lines(warehouse: object) -> list[str]:
    city = f"{getattr(warehouse, 'postal_code', '')} {getattr(warehouse, 'city', '')}".strip()
    lines = [getattr(warehouse, "name", ""), getattr(warehouse, "street", ""), city, getattr(warehouse, "country", "")]
    return [line for line in lines if line]


def _language(order: object) -> str:
    customer = getattr(order, "customer", None)
    language = getattr(customer, "language", "") or settings.LANGUAGE_CODE
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def shipping_label(subject: str) -> DocumentContent:
    """Subject ``<shipment id>:<tracking number>``: the label as booked with that number."""
    shipment_id, _sep, tracking_number = subject.partition(":")
    shipment = Shipment.objects.select_related("order__customer", "warehouse", "carrier_service__carrier").get(
        pk=int(shipment_id)
    )
    packages = list(shipment.packages.select_related("package_type").order_by("number"))
    count = len(packages)
    pages = [
        {
            "package": package,
            "number": package.tracking_number or tracking_number,
            "barcode": code128_svg(package.tracking_number or tracking_number, height=20),
            "weight_kg": kilograms(package.weight_grams),
            "position": index + 1,
            "count": count,
        }
        for index, package in enumerate(packages)
    ]
    return DocumentContent(
        context={
            "shipment": shipment,
            "order": shipment.order,
            "service": shipment.carrier_service,
            "carrier": shipment.carrier_service.carrier if shipment.carrier_service else None,
            "sender": sender_lines(shipment.warehouse),
            "recipient": shipment.order.shipping_address_lines(),
            "tracking_number": tracking_number,
            "routing_code": shipment.routing_code,
            "routing_barcode": code128_svg(shipment.routing_code, height=12) if shipment.routing_code else "",
            "pages": pages,
        },
        language=_language(shipment.order),
        filename=f"label-{shipment.reference}-{tracking_number}.pdf",
    )


def delivery_note(subject: str) -> DocumentContent:
    """Subject: the package's id. What the package holds, for the customer."""
    package = Package.objects.select_related(
        "shipment__order__customer", "shipment__warehouse", "shipment__carrier_service__carrier"
    ).get(pk=int(subject))
    shipment = package.shipment
    items = list(
        package.items.select_related("shipment_line__order_line", "shipment_line__product").order_by(
            "shipment_line__order_line_id", "pk"
        )
    )
    return DocumentContent(
        context={
            "package": package,
            "shipment": shipment,
            "order": shipment.order,
            "sender": sender_lines(shipment.warehouse),
            "recipient": shipment.order.shipping_address_lines(),
            "items": items,
            "package_count": shipment.packages.count(),
            "barcode": code128_svg(shipment.order.number, height=10),
        },
        language=_language(shipment.order),
        filename=f"delivery-note-{shipment.reference}-{package.number}.pdf",
    )


def return_label_recipient(parcel: ReturnParcel) -> list[str]:
    """Where a return label sends the parcel: ``RETURNS_ADDRESS`` (lines separated by "|") when
    it is set, else the address of the warehouse that receives it."""
    if settings.RETURNS_ADDRESS:
        return [line.strip() for line in settings.RETURNS_ADDRESS.split("|") if line.strip()]
    return sender_lines(parcel.warehouse)


def return_label(subject: str) -> DocumentContent:
    """Subject ``<return parcel id>:<tracking number>``: the A6 return label, from the customer
    (the order's shipping address) to the warehouse, with the return's reference on it."""
    parcel_id, _sep, tracking_number = subject.partition(":")
    parcel = ReturnParcel.objects.select_related("order__customer", "warehouse", "carrier_service__carrier").get(
        pk=int(parcel_id)
    )
    return DocumentContent(
        context={
            "parcel": parcel,
            "order": parcel.order,
            "service": parcel.carrier_service,
            "carrier": parcel.carrier_service.carrier,
            "sender": parcel.order.shipping_address_lines(),
            "recipient": return_label_recipient(parcel),
            "weight_kg": kilograms(parcel.weight_grams),
            "tracking_number": tracking_number,
            "barcode": code128_svg(tracking_number, height=20),
            "routing_code": parcel.routing_code,
            "routing_barcode": code128_svg(parcel.routing_code, height=12) if parcel.routing_code else "",
            "reference_barcode": code128_svg(parcel.reference, height=10),
        },
        language=_language(parcel.order),
        filename=f"return-label-{parcel.reference}.pdf",
    )


def _return_label_customer(subject: str) -> int | None:
    parcel_id = subject.partition(":")[0]
    if not parcel_id.isdigit():
        return None
    return ReturnParcel.objects.filter(pk=int(parcel_id)).values_list("order__customer_id", flat=True).first()


def handover_manifest(subject: str) -> DocumentContent:
    """Subject: the manifest's id. Every parcel handed to the carrier, for its driver to sign."""
    manifest = Manifest.objects.select_related("carrier", "warehouse").get(pk=int(subject))
    rows = manifest_rows(manifest)
    return DocumentContent(
        context={
            "manifest": manifest,
            "rows": rows,
            "parcels": len(rows),
            "total_kg": kilograms(sum(row.weight_grams for row in rows)),
            "sender": sender_lines(manifest.warehouse),
        },
        language=settings.LANGUAGE_CODE,
        filename=f"manifest-{manifest.carrier.code}-{manifest.business_date:%Y-%m-%d}.pdf",
    )


def register() -> None:
    """Register the kinds (from ``FulfillmentConfig.ready()``)."""
    staff = frozenset({Role.WAREHOUSE, Role.SUPPORT})
    documents.register_kind(
        DocumentKind(LABEL_DOCUMENT, _("Shipping label"), "fulfillment/documents/label.html", shipping_label, staff)
    )
    documents.register_kind(
        DocumentKind(
            DELIVERY_NOTE_DOCUMENT, _("Delivery note"), "fulfillment/documents/delivery_note.html", delivery_note, staff
        )
    )
    documents.register_kind(
        DocumentKind(
            RETURN_LABEL_DOCUMENT,
            _("Return label"),
            "fulfillment/documents/return_label.html",
            return_label,
            staff,
            customer_of=_return_label_customer,
        )
    )
    documents.register_kind(
        DocumentKind(
            MANIFEST_DOCUMENT,
            _("Handover manifest"),
            "fulfillment/documents/manifest.html",
            handover_manifest,
            frozenset({Role.WAREHOUSE, Role.MANAGER}),
        )
    )
