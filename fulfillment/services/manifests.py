"""The end-of-day handover: one manifest per carrier, warehouse and day listing the parcels the
carrier's driver takes, as a PDF to sign (``oms.documents``) and a CSV."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fulfillment.exceptions import ManifestError
from fulfillment.models import CARRIER_STATES, Carrier, Manifest, Shipment
from inventory.models import Warehouse
from oms import documents

MANIFEST_DOCUMENT = "handover-manifest"


@transaction.atomic
def close_manifest(
    *, carrier: Carrier, warehouse: Warehouse, business_date: datetime.date, user: Any = None
) -> Manifest:
    """Put every parcel of ``carrier`` shipped from ``warehouse`` on ``business_date`` and not on a
    manifest yet onto that day's manifest, and request its PDF.

    Closing again the same day adds what was shipped since as a new version of the PDF; with
    nothing new it returns the manifest as it is. Raises ``ManifestError`` when there is nothing
    to hand over at all."""
    start = timezone.make_aware(datetime.datetime.combine(business_date, datetime.time.min))
    end = start + datetime.timedelta(days=1)
    waiting = list(
        Shipment.objects.select_for_update(of=("self",))
        .filter(
            warehouse=warehouse,
            carrier_service__carrier=carrier,
            manifest__isnull=True,
            state__in=CARRIER_STATES,
            shipped_at__gte=start,
            shipped_at__lt=end,
        )
        .order_by("pk")
    )
    manifest = (
        Manifest.objects.select_for_update()
        .filter(carrier=carrier, warehouse=warehouse, business_date=business_date)
        .first()
    )
    if manifest is None and not waiting:
        raise ManifestError(
            _("No %(carrier)s parcels left %(warehouse)s on %(date)s.")
            % {"carrier": carrier.name, "warehouse": warehouse.name, "date": business_date.isoformat()}
        )
    if manifest is None:
        manifest = Manifest.objects.create(
            carrier=carrier, warehouse=warehouse, business_date=business_date, closed_by=_user(user)
        )
    if not waiting and manifest.document_id:
        return manifest
    Shipment.objects.filter(pk__in=[s.pk for s in waiting]).update(manifest=manifest, updated_at=timezone.now())
    version = (manifest.document.version + 1) if manifest.document_id and waiting else 1
    manifest.document = documents.request_document(MANIFEST_DOCUMENT, subject=str(manifest.pk), version=version)
    manifest.closed_at = timezone.now()
    manifest.closed_by = _user(user)
    manifest.save(update_fields=["document", "closed_at", "closed_by"])
    return manifest


def _user(user: Any) -> Any:
    return user if getattr(user, "is_authenticated", False) else None
