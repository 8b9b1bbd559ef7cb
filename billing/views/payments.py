"""Payments on the support order page: a payment entered by hand, a refund.

Both forms sit in billing's panel on the order page (``billing.panels``) and post here. Success
goes back to the order page with a message; invalid input or a refusal shows the form again
with its errors on a page of its own (the order page is orders'), with nothing booked.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from billing.panels import PAYMENT_ROLES
from billing.payment_forms import ManualPaymentForm, RefundForm
from billing.services.payments import record_manual_payment
from billing.services.refunds import RefundOutcome, refund_payment, refundable_amount
from oms.exceptions import DomainError
from oms.htmx import run_service_and_answer
from oms.money import quantize
from oms.roles import role_required
from orders.models import PaymentTransaction
from orders.selectors.order_detail import order_for_support_or_404

ENTRY_TEMPLATE = "billing/payment_entry.html"


def _agent(request: HttpRequest) -> str:
    return f"support:{request.user.get_username()}"


def _field_errors(form: Any) -> Any:
    """Show a refusal at the field it is about (or above the form)."""

    def show(exc: DomainError) -> None:
        field = (exc.data or {}).get("field", "")
        form.add_error(field if field in form.fields else None, exc.message)

    return show


@role_required(*PAYMENT_ROLES)
@require_POST
def order_payment_record(request: HttpRequest, number: str) -> HttpResponse:
    """Book a payment that reached us outside a PSP (bank transfer, cash, card terminal)."""
    order = order_for_support_or_404(number=number)
    form = ManualPaymentForm(request.POST, prefix="payment")

    def record() -> PaymentTransaction:
        data = form.cleaned_data
        return record_manual_payment(
            order=order,
            amount=data["amount"],
            method=data["method"],
            paid_on=data["paid_on"],
            reason=data["reason"],
            token=data["token"],
            actor_label=_agent(request),
            user=request.user,
        )

    return run_service_and_answer(
        request,
        record,
        form=form,
        answer=lambda status: _entry_page(request, order, status, payment_form=form),
        done=lambda _tx: redirect("orders:support-order-detail", number=order.number),
        success=lambda tx: (
            _("Payment of %(amount)s %(currency)s booked.") % {"amount": quantize(tx.amount), "currency": tx.currency}
        ),
        show_refusal=_field_errors(form),
        refusal_in_form=True,
    )


@role_required(*PAYMENT_ROLES)
@require_POST
def order_refund(request: HttpRequest, number: str) -> HttpResponse:
    """Refund all or part of what was captured, through the original method where possible."""
    order = order_for_support_or_404(number=number)
    form = RefundForm(request.POST, prefix="refund")

    def refund() -> RefundOutcome:
        data = form.cleaned_data
        return refund_payment(
            order=order,
            amount=data["amount"],
            reason=data["reason"],
            token=data["token"],
            actor_label=_agent(request),
            user=request.user,
        )

    return run_service_and_answer(
        request,
        refund,
        form=form,
        answer=lambda status: _entry_page(request, order, status, refund_form=form),
        done=lambda _outcome: redirect("orders:support-order-detail", number=order.number),
        success=lambda outcome: (
            _("Refund of %(amount)s %(currency)s booked.") % {"amount": outcome.amount, "currency": order.currency}
        ),
        show_refusal=_field_errors(form),
        refusal_in_form=True,
    )


def _entry_page(request: HttpRequest, order: Any, status: int, **forms: Any) -> HttpResponse:
    context = {
        "order": order,
        "order_url": reverse("orders:support-order-detail", args=[order.number]),
        "refundable": refundable_amount(order),
        **forms,
    }
    return render(request, ENTRY_TEMPLATE, context, status=status)
