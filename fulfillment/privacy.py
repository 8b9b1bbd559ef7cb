"""What ``fulfillment`` holds about a customer, for the GDPR export and erasure (``oms.privacy``).

Shipments, packages, tracking events and return parcels of the customer's orders are exported;
on erasure the carriers' payloads and texts lose the person's data, and the stored labels, return
labels, delivery notes and handover manifests that name them are discarded (a manifest is rendered again, from the
pseudonymised orders, when someone opens it). Registered from ``FulfillmentConfig.ready()``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from fulfillment.models import Package, ReturnParcel, ReturnParcelEvent, Shipment, TrackingEvent
from fulfillment.services.labels import DELIVERY_NOTE_DOCUMENT, LABEL_DOCUMENT
from fulfillment.services.manifests import MANIFEST_DOCUMENT
from fulfillment.services.return_labels import RETURN_LABEL_DOCUMENT
from oms import privacy
from oms.models import Document
from oms.privacy import Erasure, Subject


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export(subject: Subject) -> dict[str, list[dict[str, Any]]]:
    shipments = (
        Shipment.objects.filter(order_id__in=subject.order_ids)
        .select_related("order", "carrier_service__carrier")
        .order_by("pk")
    )
    events = TrackingEvent.objects.filter(shipment__order_id__in=subject.order_ids).order_by("occurred_at", "pk")
    by_shipment: dict[int, list[dict[str, Any]]] = {}
    for event in events:
        by_shipment.setdefault(event.shipment_id, []).append(
            {
                "at": _iso(event.occurred_at),
                "state": event.mapped_state,
                "description": event.description,
                "location": event.location,
            }
        )
    return_parcels = ReturnParcel.objects.filter(order_id__in=subject.order_ids).select_related("order")
    return {
        "return_parcels": [
            {
                "order": p.order.number,
                "reference": p.reference,
                "state": p.state,
                "tracking_number": p.tracking_number,
                "created_at": _iso(p.created_at),
                "delivered_at": _iso(p.delivered_at),
            }
            for p in return_parcels.order_by("pk")
        ],
        "shipments": [
            {
                "order": s.order.number,
                "reference": s.reference,
                "state": s.state,
                "carrier": s.carrier_service.carrier.name if s.carrier_service_id else "",
                "tracking_number": s.tracking_number,
                "shipped_at": _iso(s.shipped_at),
                "tracking": by_shipment.get(s.pk, []),
            }
            for s in shipments
        ],
    }


def erase(subject: Subject, erasure: Erasure) -> None:
    shipments = Shipment.objects.filter(order_id__in=subject.order_ids)
    erasure.count(
        "shipment texts",
        privacy.scrub_rows(shipments, ["hold_reason", "exception_reason", "cancel_reason", "label_error"], subject),
    )
    erasure.count(
        "tracking events",
        privacy.scrub_rows(
            TrackingEvent.objects.filter(shipment__order_id__in=subject.order_ids),
            ["raw_payload", "description", "location"],
            subject,
        ),
    )
    parcels = ReturnParcel.objects.filter(order_id__in=subject.order_ids)
    erasure.count("return parcels", privacy.scrub_rows(parcels, ["label_error"], subject))
    erasure.count(
        "return parcel events",
        privacy.scrub_rows(
            ReturnParcelEvent.objects.filter(parcel__in=parcels), ["raw_payload", "description", "location"], subject
        ),
    )
    # A return label names the customer as the sender: discarded (booked again if ever needed).
    return_labels = Q(pk__in=[])
    for parcel_id in parcels.values_list("pk", flat=True):
        return_labels |= Q(subject__startswith=f"{parcel_id}:")
    erasure.count(
        "return labels",
        privacy.discard_documents(Document.objects.filter(Q(kind=RETURN_LABEL_DOCUMENT) & return_labels)),
    )
    shipment_ids = list(shipments.values_list("pk", flat=True))
    package_ids = Package.objects.filter(shipment_id__in=shipment_ids).values_list("pk", flat=True)
    label_subjects = Q(pk__in=[])
    for shipment_id in shipment_ids:
        label_subjects |= Q(subject=str(shipment_id)) | Q(subject__startswith=f"{shipment_id}:")
    manifest_ids = shipments.exclude(manifest=None).values_list("manifest_id", flat=True)
    documents = Document.objects.filter(
        (Q(kind=LABEL_DOCUMENT) & label_subjects)
        | Q(kind=DELIVERY_NOTE_DOCUMENT, subject__in=[str(pk) for pk in package_ids])
        | Q(kind=MANIFEST_DOCUMENT, subject__in=[str(pk) for pk in manifest_ids])
    )
    erasure.count("labels, delivery notes and manifests", privacy.discard_documents(documents))


def register() -> None:
    privacy.register("fulfillment", export=export, erase=erase, order=20)
