"""The panel ``returns`` shows customers on their order's portal page (``oms.panels`` customer
slot ``"customer-order"``): the withdrawal function. Inside the withdrawal period a clearly
labelled control "Withdraw from contract"; after it, why there is none; and the withdrawals the
customer has declared, with the moment we received each. Registered from ``ReturnsConfig.ready()``.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from oms import panels
from returns.models import Withdrawal
from returns.policy import withdrawal_policy
from returns.services.requests import returnable_quantities


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
    }


def register() -> None:
    panels.register_customer(
        "customer-order",
        name="withdrawal",
        template="returns/portal/withdrawal_panel.html",
        context=withdrawal_panel,
        order=90,
    )
