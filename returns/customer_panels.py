"""The panel ``returns`` shows customers on their order's portal page (``oms.panels`` customer
slot ``"customer-order"``): the order's returns and the withdrawal function. Each return with its
RMA number, state and photos and, while it is open, a link to add more and its return label to
download with the tracking link; "Return items" while
delivered items can go back. Inside the withdrawal period a clearly labelled control "Withdraw
from contract"; after it, why there is none; the withdrawals the customer has declared, with the
moment we received each. Registered from ``ReturnsConfig.ready()``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from oms import panels
from returns.models import ReturnPhoto, ReturnRequest, Withdrawal
from returns.policy import withdrawal_policy
from returns.services.requests import PHOTO_STATES, returnable_quantities


def withdrawal_panel(*, order: Any, request: Any) -> dict[str, Any] | None:
    match = getattr(request, "resolver_match", None)
    token = match.kwargs.get("token") if match is not None else None
    if not token:
        return None
    policy = withdrawal_policy(order, today=timezone.localdate(), returnable=returnable_quantities(order))
    return {
        "token": token,
        "withdrawal_policy": policy,
        "withdrawals": list(Withdrawal.objects.filter(order=order).order_by("declared_at", "pk")),
        "returns": _returns(order),
        "may_return": policy.is_open and any(w.shipped and not w.excluded for w in policy.lines),
    }


def _returns(order: Any) -> list[Any]:
    """The order's returns with their photos; those still open take more (``PHOTO_STATES``)."""
    requests = list(
        ReturnRequest.objects.filter(order=order)
        .select_related("return_parcel__carrier_service__carrier", "return_parcel__label_document")
        .prefetch_related(Prefetch("photos", queryset=ReturnPhoto.objects.order_by("uploaded_at", "pk")))
        .order_by("created_at", "pk")
    )
    for rma in requests:
        rma.portal_photos = list(rma.photos.all())
        rma.takes_photos = rma.state in PHOTO_STATES
    return requests


def register() -> None:
    panels.register_customer(
        "customer-order",
        name="withdrawal",
        template="returns/portal/withdrawal_panel.html",
        context=withdrawal_panel,
        order=90,
    )
