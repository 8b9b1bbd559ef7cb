"""What ``returns`` holds about a customer, for the GDPR export and erasure (``oms.privacy``).

Return requests with their lines, events, received units and photos, and declarations of
withdrawal, are exported. A return still under way refuses the erasure. On erasure the
customer's own words (reason, comment), support's and the warehouse's texts lose the person's
data; photos are deleted with their files; a declaration of withdrawal keeps its date, order and
items but loses name, e-mail and text (its table accepts that change only inside the erasure's
transaction). Registered from ``ReturnsConfig.ready()``.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import ngettext

from oms import privacy, retention
from oms.privacy import ERASED, Erasure, Subject
from returns.models import ReturnEvent, ReturnPhoto, ReturnRequest, ReturnUnit, Withdrawal
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
    if not open_returns:
        return []
    return [
        ngettext(
            "Return %(numbers)s is still under way.",
            "Returns %(numbers)s are still under way.",
            len(open_returns),
        )
        % {"numbers": ", ".join(open_returns)}
    ]


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
