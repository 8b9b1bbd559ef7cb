"""What ``returns`` holds about a customer, for the GDPR export and erasure (``oms.privacy``).

Return requests with their lines, events, received units and photos, shipment claims, and
declarations of withdrawal, are exported. A return still under way, or a claim not resolved yet,
refuses the erasure. On erasure the customer's own words (reason, comment, a claim's
description), support's, the warehouse's and the carrier's texts lose the person's data; photos
are deleted with their files; a declaration of withdrawal keeps its date, order and items but
loses name, e-mail and text (its table accepts that change only in erasure mode,
``oms.privacy.erasure_mode``). Registered from ``ReturnsConfig.ready()``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import ngettext

from oms import privacy, retention
from oms.privacy import ERASED, Erasure, Subject
from returns.models import ReturnEvent, ReturnPhoto, ReturnRequest, ReturnUnit, ShipmentClaim, Withdrawal
from returns.models.claim import ClaimResolution
from returns.models.request import OPEN_STATES


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export(subject: Subject) -> dict[str, list[dict[str, Any]]]:
    requests = (
        ReturnRequest.objects.filter(order_id__in=subject.order_ids)
        .select_related("order")
        .prefetch_related("lines__order_line")
        .order_by("created_at", "pk")
    )
    return {
        "returns": [
            {
                "number": r.number,
                "order": r.order.number,
                "state": r.state,
                "reason": r.reason,
                "reason_text": r.reason_text,
                "comment": r.comment,
                "created_at": _iso(r.created_at),
                "lines": [{"sku": line.order_line.sku, "quantity": line.quantity} for line in r.lines.all()],
            }
            for r in requests
        ],
        "return_photos": [
            {
                "return": p.request.number,
                "file_name": p.original_name,
                "content_type": p.content_type,
                "size": p.size,
                "uploaded_at": _iso(p.uploaded_at),
            }
            for p in ReturnPhoto.objects.filter(request__order_id__in=subject.order_ids)
            .select_related("request")
            .order_by("uploaded_at", "pk")
        ],
        "claims": [
            {
                "number": c.number,
                "order": c.order.number,
                "kind": c.kind,
                "description": c.description,
                "resolution": c.resolution,
                "created_at": _iso(c.created_at),
                "resolved_at": _iso(c.resolved_at),
            }
            for c in ShipmentClaim.objects.filter(order_id__in=subject.order_ids)
            .select_related("order")
            .order_by("created_at", "pk")
        ],
        "withdrawals": [
            {
                "order": w.order.number,
                "declared_at": _iso(w.declared_at),
                "name": w.name,
                "email": w.email,
                "items": w.items,
                "text": w.text,
            }
            for w in Withdrawal.objects.filter(order_id__in=subject.order_ids)
            .select_related("order")
            .order_by("declared_at", "pk")
        ],
    }


def refusals(subject: Subject) -> list[str]:
    open_returns = list(
        ReturnRequest.objects.filter(order_id__in=subject.order_ids, state__in=OPEN_STATES)
        .order_by("pk")
        .values_list("number", flat=True)
    )
    # A claim not resolved yet still owes the customer a re-shipment or a refund.
    open_claims = list(
        ShipmentClaim.objects.filter(order_id__in=subject.order_ids, resolution=ClaimResolution.NONE)
        .order_by("pk")
        .values_list("number", flat=True)
    )
    reasons = []
    if open_returns:
        reasons.append(
            ngettext(
                "Return %(numbers)s is still under way.",
                "Returns %(numbers)s are still under way.",
                len(open_returns),
            )
            % {"numbers": ", ".join(open_returns)}
        )
    if open_claims:
        reasons.append(
            ngettext(
                "Claim %(numbers)s is not resolved yet.",
                "Claims %(numbers)s are not resolved yet.",
                len(open_claims),
            )
            % {"numbers": ", ".join(open_claims)}
        )
    return reasons


def erase(subject: Subject, erasure: Erasure) -> None:
    requests = ReturnRequest.objects.filter(order_id__in=subject.order_ids)
    erasure.count(
        "return requests",
        privacy.scrub_rows(
            requests,
            ["reason_text", "comment", "window_override_reason", "decision_reason", "created_by_label"],
            subject,
        ),
    )
    erasure.count("return requests", requests.exclude(comment="").update(comment=""))
    erasure.count(
        "return events",
        privacy.scrub_rows(ReturnEvent.objects.filter(request__in=requests), ["reason", "actor_label"], subject),
    )
    erasure.count(
        "received return units", privacy.scrub_rows(ReturnUnit.objects.filter(request__in=requests), ["note"], subject)
    )
    # Photos show the person's belongings, parcel labels, sometimes their home: deleted with their files.
    for photo in ReturnPhoto.objects.filter(request__in=requests):
        for file in (photo.image, photo.thumbnail):
            if file:
                privacy.delete_file_on_commit(file.storage, file.name)
        photo.delete()
        erasure.count("return photos", 1)
    erasure.count(
        "claims",
        privacy.scrub_rows(
            ShipmentClaim.objects.filter(order_id__in=subject.order_ids),
            ["description", "carrier_note", "created_by_label"],
            subject,
        ),
    )
    withdrawals = Withdrawal.objects.filter(order_id__in=subject.order_ids)
    for withdrawal in withdrawals.only("pk", "items"):
        Withdrawal.objects.filter(pk=withdrawal.pk).update(
            name=ERASED, email=erasure.email, text=ERASED, items=privacy.scrub(withdrawal.items, subject.terms)
        )
        erasure.count("withdrawals", 1)


def _purge_withdrawals(before: datetime.datetime) -> int:
    """Declarations of withdrawal whose period has ended (inside the retention job's transaction,
    the only place their table lets a row go)."""
    return Withdrawal.objects.filter(declared_at__lt=before).delete()[0]


def register() -> None:
    privacy.register("returns", export=export, erase=erase, refusals=refusals, order=40)
    retention.register("withdrawals", purge=_purge_withdrawals)
