"""Support's credit note screen: a price correction or goodwill on one issued invoice (units of its
lines, shipping, or an amount shared over its VAT rates), never more than is left of it.

``GET`` shows the invoice, what is left to credit and the form; ``POST`` issues the credit note
through ``billing.services.crediting`` and goes back to the order page with a message. Invalid
input or a refusal (more than is left) shows the form again with its errors (422), nothing written.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from billing.credit_forms import CreditNoteForm
from billing.models import ISSUED_STATES, CreditNote, Invoice
from billing.panels import PAYMENT_ROLES
from billing.services.crediting import credit_left, issue_credit_note
from oms.exceptions import DomainError
from oms.htmx import run_service_and_answer
from oms.roles import role_required

TEMPLATE = "billing/credit_note_new.html"


def _form(invoice: Invoice, data: Any = None) -> tuple[CreditNoteForm, dict[str, Any]]:
    left = credit_left(invoice)
    lines = list(invoice.lines.order_by("position", "pk"))
    form = CreditNoteForm(data, prefix="credit", lines=lines, units_left=left["units"])
    return form, left


def _page(
    request: HttpRequest, invoice: Invoice, form: CreditNoteForm, left: dict[str, Any], status: int = 200
) -> HttpResponse:
    context = {
        "invoice": invoice,
        "form": form,
        "left": left,
        "credit_notes": list(invoice.credit_notes.order_by("issued_at", "pk")),
        "order_url": reverse("orders:support-order-detail", args=[invoice.order.number]),
    }
    return render(request, TEMPLATE, context, status=status)


def _in_form(form: CreditNoteForm) -> Any:
    def show(exc: DomainError) -> None:
        field = (exc.data or {}).get("field", "")
        if field.startswith("quantities."):
            field = f"line_{field.split('.', 1)[1]}"
        form.add_error(field if field in form.fields else None, exc.message)

    return show


@role_required(*PAYMENT_ROLES)
@require_http_methods(["GET", "POST"])
def invoice_credit_note(request: HttpRequest, number: str) -> HttpResponse:
    invoice = get_object_or_404(Invoice.objects.select_related("order"), number=number, state__in=ISSUED_STATES)
    form, left = _form(invoice, request.POST if request.method == "POST" else None)
    if request.method == "GET":
        return _page(request, invoice, form, left)

    def issue() -> CreditNote:
        data = form.cleaned_data
        token = data.get("token") or ""
        return issue_credit_note(
            invoice=invoice,
            reason=data["reason"],
            reason_text=data["reason_text"],
            quantities=form.quantities(),
            shipping=data.get("shipping") or 0,
            amount=data.get("amount") or 0,
            source=f"support:{token}" if token else "",
            actor_label=f"support:{request.user.get_username()}",
            user=request.user,
        )

    return run_service_and_answer(
        request,
        issue,
        form=form,
        answer=lambda status: _page(request, invoice, form, left, status),
        done=lambda _note: redirect("orders:support-order-detail", number=invoice.order.number),
        success=lambda note: (
            _("Credit note %(number)s over %(total)s %(currency)s issued.")
            % {"number": note.number, "total": note.total, "currency": note.currency}
        ),
        show_refusal=_in_form(form),
        refusal_in_form=True,
    )
