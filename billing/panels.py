"""Panels billing contributes to the order page (``oms.panels``).

``order-header``: the payment state as a badge beside the order's state.
``order-detail``: payments entered by hand and refunds, for support and managers; the order's
invoices and credit notes with their PDFs.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from billing.payment_forms import ManualPaymentForm, RefundForm
from billing.receivables_forms import DunningPauseForm
from billing.selectors import order_billing_documents
from billing.services.refunds import refundable_amount
from oms.roles import Role, has_role
from orders.models import Order

PAYMENT_ROLES = (Role.SUPPORT, Role.MANAGER)


def payment_badge(*, order: Order, **_: Any) -> dict[str, Any]:
    return {"payment_state": order.payment_state, "payment_state_label": order.get_payment_state_display()}


def order_payments(*, request: Any, order: Order, **_: Any) -> dict[str, Any] | None:
    """The forms to enter a payment and to refund; none for someone who may not use them."""
    if not has_role(getattr(request, "user", None), *PAYMENT_ROLES):
        return None
    return {
        "payment_form": ManualPaymentForm(prefix="payment", initial={"paid_on": timezone.localdate()}),
        "refund_form": RefundForm(prefix="refund"),
        # The order page has read the order's payments (its prefetch): no second read.
        "refundable": refundable_amount(order, transactions=order.payment_transactions.all()),
    }


def order_invoices(*, request: Any, order: Order, **_: Any) -> dict[str, Any] | None:
    """Invoices and credit notes of the order, for the staff who may read their PDFs."""
    if not has_role(getattr(request, "user", None), *PAYMENT_ROLES):
        return None
    return {**order_billing_documents(order_id=order.pk), "pause_form": DunningPauseForm(prefix="dunning")}
