"""An invoice's dunning: the reminders sent (with their PDFs), the pauses, and pausing or
resuming it (from this page or the invoices panel of the order page).

Success goes back to where the form was with a message; a refusal (no reason, nothing open, paused
already) shows this page again with the error (422), with nothing written."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from billing.models import ISSUED_STATES, Invoice
from billing.panels import PAYMENT_ROLES
from billing.receivables_forms import DunningPauseForm
from billing.receivables_selectors import invoice_dunning
from billing.services.dunning import pause_dunning, resume_dunning
from oms.exceptions import DomainError
from oms.htmx import run_service_and_answer
from oms.roles import role_required

TEMPLATE = "billing/invoice_dunning.html"


def _invoice_or_404(number: str) -> Invoice:
    return get_object_or_404(Invoice.objects.select_related("order"), number=number, state__in=ISSUED_STATES)


def _agent(request: HttpRequest) -> str:
    return f"support:{request.user.get_username()}"


def _page(request: HttpRequest, invoice: Invoice, form: Any, status: int = 200) -> HttpResponse:
    context = {
        "invoice": invoice,
        "form": form,
        "order_url": reverse("orders:support-order-detail", args=[invoice.order.number]),
        **invoice_dunning(invoice),
    }
    return render(request, TEMPLATE, context, status=status)


def _back(request: HttpRequest, invoice: Invoice) -> HttpResponse:
    """To the page the form was on: this one, or the order page."""
    if request.POST.get("back") == "dunning":
        return redirect("billing:support-invoice-dunning", number=invoice.number)
    return redirect("orders:support-order-detail", number=invoice.order.number)


@role_required(*PAYMENT_ROLES)
@require_GET
def invoice_dunning_page(request: HttpRequest, number: str) -> HttpResponse:
    return _page(request, _invoice_or_404(number), DunningPauseForm(prefix="dunning"))


def _in_form(form: Any) -> Any:
    def show(exc: DomainError) -> None:
        field = (exc.data or {}).get("field", "")
        form.add_error(field if field in form.fields else None, exc.message)

    return show


@role_required(*PAYMENT_ROLES)
@require_POST
def invoice_dunning_pause(request: HttpRequest, number: str) -> HttpResponse:
    """Stop reminders for the invoice, with the reason (a dispute, a payment plan)."""
    invoice = _invoice_or_404(number)
    form = DunningPauseForm(request.POST, prefix="dunning")
    return run_service_and_answer(
        request,
        lambda: pause_dunning(
            invoice=invoice, reason=form.cleaned_data["reason"], user=request.user, actor_label=_agent(request)
        ),
        form=form,
        answer=lambda status: _page(request, invoice, form, status),
        done=lambda _pause: _back(request, invoice),
        success=_("Dunning of invoice %(number)s is paused.") % {"number": invoice.number},
        show_refusal=_in_form(form),
        refusal_in_form=True,
    )


@role_required(*PAYMENT_ROLES)
@require_POST
def invoice_dunning_resume(request: HttpRequest, number: str) -> HttpResponse:
    """Let reminders for the invoice go out again."""
    invoice = _invoice_or_404(number)
    form = DunningPauseForm(prefix="dunning")
    return run_service_and_answer(
        request,
        lambda: resume_dunning(invoice=invoice, user=request.user, actor_label=_agent(request)),
        answer=lambda status: _page(request, invoice, form, status),
        done=lambda _pause: _back(request, invoice),
        success=_("Dunning of invoice %(number)s is resumed.") % {"number": invoice.number},
        refusal_in_form=True,
    )
