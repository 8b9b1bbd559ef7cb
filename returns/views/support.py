"""Support's return screens: creating a return from the order page, one return request with its
history, and the decisions on it (approve, reject with a reason, cancel).

The forms sit in the order page's RMA panel (``returns.panels``) and on the request's own page.
Success goes back to the order page with a message (htmx: a client redirect); invalid input or a
refusal shows the form again with its errors (422, or 409 for a move the state forbids), with
nothing written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from oms.exceptions import DomainError
from oms.htmx import run_service_and_answer
from oms.roles import role_required
from orders.selectors.order_detail import order_for_support_or_404
from returns.forms import ApproveForm, CreateReturnForm, ExchangeForm, ReasonForm
from returns.models import ReturnRequest
from returns.panels import SUPPORT_ROLES, returnable_lines
from returns.selectors import refund_due_on, return_events, return_for_support_or_404, support_actions
from returns.services.requests import approve_return, cancel_return, create_return, reject_return
from returns.services.resolution import choose_exchange

NEW_TEMPLATE = "returns/return_new.html"
DETAIL_TEMPLATE = "returns/return_detail.html"


def _agent(request: HttpRequest) -> str:
    return f"support:{request.user.get_username()}"


def _to_order(request: HttpRequest, number: str) -> HttpResponse:
    url = reverse("orders:support-order-detail", args=[number])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _show_in(form: Any) -> Callable[[DomainError], None]:
    """A refusal at the field it is about (or above the form)."""

    def show(exc: DomainError) -> None:
        field = (exc.data or {}).get("field", "")
        form.add_error(field if field in form.fields else None, exc.message)

    return show


@role_required(*SUPPORT_ROLES)
@require_http_methods(["GET", "POST"])
def return_create(request: HttpRequest, number: str) -> HttpResponse:
    """A return for the order's shipped units: the form (GET), or the request created (POST)."""
    order = order_for_support_or_404(number=number)
    lines = returnable_lines(order)
    if request.method == "GET":
        form = CreateReturnForm(lines=lines, prefix="return")
        return render(request, NEW_TEMPLATE, {"order": order, "create_form": form})
    form = CreateReturnForm(request.POST, request.FILES, lines=lines, prefix="return")

    def create() -> ReturnRequest:
        data = form.cleaned_data
        return create_return(
            order,
            form.quantities(),
            data["reason"],
            by=request.user,
            reason_text=data["reason_text"],
            comment=data["comment"],
            channel_override_reason=data["override_reason"],
            actor_label=_agent(request),
            photos=data["photos"],
        )

    return run_service_and_answer(
        request,
        create,
        form=form,
        answer=lambda status: render(request, NEW_TEMPLATE, {"order": order, "create_form": form}, status=status),
        done=lambda _rma: _to_order(request, order.number),
        success=lambda rma: (
            _("Return %(number)s created (%(state)s).") % {"number": rma.number, "state": rma.get_state_display()}
        ),
        show_refusal=_show_in(form),
        refusal_in_form=True,
    )


def _detail_context(rma: ReturnRequest, **forms: Any) -> dict[str, Any]:
    return {
        "rma": rma,
        "order": rma.order,
        "lines": list(rma.lines.all()),
        "photos": list(rma.photos.all()),
        "events": list(return_events(rma)),
        "actions": support_actions(rma),
        "refund_due_on": refund_due_on(rma),
        "approve_form": forms.get("approve_form") or ApproveForm(prefix="approve"),
        "reject_form": forms.get("reject_form") or ReasonForm(prefix="reject"),
        "cancel_form": forms.get("cancel_form") or ReasonForm(prefix="cancel"),
        "exchange_form": forms.get("exchange_form") or ExchangeForm(prefix="exchange"),
    }


@role_required(*SUPPORT_ROLES)
@require_GET
def return_detail(request: HttpRequest, number: str) -> HttpResponse:
    """One return request: lines, reason, comment, decisions and its history."""
    rma = return_for_support_or_404(number=number)
    return render(request, DETAIL_TEMPLATE, _detail_context(rma))


def _decide(
    request: HttpRequest,
    number: str,
    *,
    form: Any,
    form_key: str,
    service: Callable[[ReturnRequest, dict[str, Any]], ReturnRequest],
    success: str,
) -> HttpResponse:
    rma = return_for_support_or_404(number=number)

    def answer(status: int) -> HttpResponse:
        fresh = return_for_support_or_404(number=number)
        return render(request, DETAIL_TEMPLATE, _detail_context(fresh, **{form_key: form}), status=status)

    return run_service_and_answer(
        request,
        lambda: service(rma, form.cleaned_data),
        form=form,
        answer=answer,
        done=lambda done: _to_order(request, done.order.number),
        success=lambda done: success % {"number": done.number},
    )


@role_required(*SUPPORT_ROLES)
@require_POST
def return_approve(request: HttpRequest, number: str) -> HttpResponse:
    return _decide(
        request,
        number,
        form=ApproveForm(request.POST, prefix="approve"),
        form_key="approve_form",
        service=lambda rma, data: approve_return(rma, by=request.user, reason=data["reason"]),
        success=_("Return %(number)s approved."),
    )


@role_required(*SUPPORT_ROLES)
@require_POST
def return_reject(request: HttpRequest, number: str) -> HttpResponse:
    return _decide(
        request,
        number,
        form=ReasonForm(request.POST, prefix="reject"),
        form_key="reject_form",
        service=lambda rma, data: reject_return(rma, by=request.user, reason=data["reason"]),
        success=_("Return %(number)s rejected."),
    )


@role_required(*SUPPORT_ROLES)
@require_POST
def return_cancel(request: HttpRequest, number: str) -> HttpResponse:
    return _decide(
        request,
        number,
        form=ReasonForm(request.POST, prefix="cancel"),
        form_key="cancel_form",
        service=lambda rma, data: cancel_return(
            rma, by=request.user, reason=data["reason"], actor_label=_agent(request)
        ),
        success=_("Return %(number)s cancelled."),
    )


@role_required(*SUPPORT_ROLES)
@require_POST
def return_exchange(request: HttpRequest, number: str) -> HttpResponse:
    """Resolve the return by exchange: the replacement items, placed as a zero-price order once the
    return is inspected."""
    form = ExchangeForm(request.POST, prefix="exchange")
    return _decide(
        request,
        number,
        form=form,
        form_key="exchange_form",
        service=lambda rma, data: choose_exchange(rma, data["items"], by=request.user),
        success=_("Return %(number)s will be exchanged."),
    )
