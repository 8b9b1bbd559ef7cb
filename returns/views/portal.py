"""The portal's withdrawal function (``/track/<token>/withdraw/``), public like the rest of the
portal: whoever holds the order's signed link (``orders.portal_links``) may withdraw from it.

Also the return label's PDF (``/track/<token>/returns/<number>/label/``) for the order's returns.

Two steps, as § 356a BGB asks: the form (name, order, optionally which items; its button
"Withdraw from contract"), then a summary with the button "Confirm withdrawal", which calls
``returns.services.withdrawals.declare_withdrawal``. After the period the page says why and
offers no button. Every POST counts against the order's portal action limit.

The return request (``/track/<token>/return/``) is the same returns service for delivered items:
how many of each and why, inside the same period.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fulfillment.services.return_labels import RETURN_LABEL_DOCUMENT, return_label_subject
from oms import documents, ratelimit
from orders.models import Order
from orders.views.portal import order_for_token, private, too_many
from returns.exceptions import ReturnError
from returns.models import ReturnRequest
from returns.policy import WithdrawalPolicy, withdrawal_policy
from returns.portal_forms import PortalReturnForm, WithdrawalForm
from returns.services.requests import create_return, returnable_quantities
from returns.services.withdrawals import check_withdrawal, declare_withdrawal

FORM_TEMPLATE = "returns/portal/withdrawal_form.html"
CONFIRM_TEMPLATE = "returns/portal/withdrawal_confirm.html"
RETURN_TEMPLATE = "returns/portal/return_request.html"


def _policy(order: Order) -> WithdrawalPolicy:
    return withdrawal_policy(order, today=timezone.localdate(), returnable=returnable_quantities(order))


def _choices(policy: WithdrawalPolicy) -> list[tuple[int, str]]:
    return [(w.line.pk, f"{w.units} x {w.line.name}") for w in policy.withdrawable]


def _form(policy: WithdrawalPolicy, data: Any = None, *, order: Order | None = None) -> WithdrawalForm:
    initial = {"order_number": order.number, "name": order.billing_name} if order is not None else None
    return WithdrawalForm(data, initial=initial, choices=_choices(policy))


def _page(request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    return private(render(request, template, context, status=status))


def _allowed(order: Order) -> bool:
    return ratelimit.hit("portal-action", str(order.pk), limit=settings.PORTAL_ACTIONS_PER_ORDER_HOUR, window=3600)


@require_http_methods(["GET", "POST"])
def withdrawal_form(request: HttpRequest, token: str) -> HttpResponse:
    """Step one. A valid POST shows the confirmation step (nothing is stored yet)."""
    order, refused = order_for_token(request, token)
    if refused is not None:
        return refused
    policy = _policy(order)
    context: dict[str, Any] = {"order": order, "token": token, "policy": policy}
    if not policy.is_open:
        return _page(request, FORM_TEMPLATE, context)
    if request.method == "GET":
        return _page(request, FORM_TEMPLATE, {**context, "form": _form(policy, order=order)})
    if not _allowed(order):
        return too_many(request, window=3600)
    form = _form(policy, request.POST)
    if form.is_valid():
        try:
            items = check_withdrawal(
                order,
                name=form.cleaned_data["name"],
                order_number=form.cleaned_data["order_number"],
                line_ids=form.cleaned_data["items"],
            )
        except ReturnError as exc:
            form.add_error(exc.data.get("field") if exc.data.get("field") in form.fields else None, exc.message)
        else:
            return _page(request, CONFIRM_TEMPLATE, {**context, "form": form, "items": items})
    return _page(request, FORM_TEMPLATE, {**context, "form": form}, status=422)


@require_POST
def withdrawal_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Step two: the declaration is made, stored and acknowledged by mail."""
    order, refused = order_for_token(request, token)
    if refused is not None:
        return refused
    if not _allowed(order):
        return too_many(request, window=3600)
    policy = _policy(order)
    context: dict[str, Any] = {"order": order, "token": token, "policy": policy}
    if not policy.is_open:
        return _page(request, FORM_TEMPLATE, context, status=422)
    form = _form(policy, request.POST)
    if form.is_valid():
        try:
            withdrawal = declare_withdrawal(
                order,
                name=form.cleaned_data["name"],
                order_number=form.cleaned_data["order_number"],
                line_ids=form.cleaned_data["items"],
            )
        except ReturnError as exc:
            form.add_error(exc.data.get("field") if exc.data.get("field") in form.fields else None, exc.message)
        else:
            at = timezone.localtime(withdrawal.declared_at)
            message = _(
                "We received your withdrawal on %(date)s at %(time)s. A confirmation with its content is on its "
                "way to your e-mail address."
            ) % {"date": date_format(at, "DATE_FORMAT"), "time": f"{at:%H:%M:%S}"}
            messages.success(request, message)
            return private(redirect("orders:portal-order", token=token))
    return _page(request, FORM_TEMPLATE, {**context, "form": form}, status=422)


def _returnable_lines(policy: WithdrawalPolicy) -> list[tuple[int, str, int]]:
    """The items that can be sent back now: shipped, not yet returned or asked back, not excluded."""
    return [(w.line.pk, w.line.name, w.shipped) for w in policy.lines if w.shipped > 0 and not w.excluded]


@require_http_methods(["GET", "POST"])
def return_request(request: HttpRequest, token: str) -> HttpResponse:
    """The portal's return request: which of the delivered items go back and why, inside the
    return period; ``returns.services.requests.create_return`` decides (approved at once or left
    to support) and the order page then shows the request with its RMA number."""
    order, refused = order_for_token(request, token)
    if refused is not None:
        return refused
    policy = _policy(order)
    lines = _returnable_lines(policy)
    context: dict[str, Any] = {"order": order, "token": token, "policy": policy, "open": policy.is_open and lines}
    if not context["open"]:
        return _page(request, RETURN_TEMPLATE, context, status=200 if request.method == "GET" else 422)
    if request.method == "GET":
        return _page(request, RETURN_TEMPLATE, {**context, "form": PortalReturnForm(lines=lines)})
    if not _allowed(order):
        return too_many(request, window=3600)
    form = PortalReturnForm(request.POST, lines=lines)
    if form.is_valid():
        try:
            created = create_return(
                order,
                form.quantities(),
                form.cleaned_data["reason"],
                by=None,
                reason_text=form.cleaned_data["reason_text"],
                comment=form.cleaned_data["comment"],
                actor_label="portal",
            )
        except ReturnError as exc:
            field = exc.data.get("field")
            form.add_error(field if field in form.fields else None, exc.message)
        else:
            messages.success(
                request,
                _("We have your return request %(number)s. What to do next is on its way to your e-mail address.")
                % {"number": created.number},
            )
            return private(redirect("orders:portal-order", token=token))
    return _page(request, RETURN_TEMPLATE, {**context, "form": form}, status=422)


@require_GET
def return_label(request: HttpRequest, token: str, number: str) -> HttpResponse:
    """The return label's PDF for whoever holds the order's signed link; 404 for a return of
    another order, one without a booked label, or a closed one."""
    order, refused = order_for_token(request, token)
    if refused is not None:
        return refused
    rma = (
        ReturnRequest.objects.filter(order=order, number=number)
        .select_related("return_parcel")
        .exclude(return_parcel__tracking_number="")
        .first()
    )
    if rma is None or rma.return_parcel is None or not rma.is_open:
        raise Http404
    pdf = documents.render_document_now(RETURN_LABEL_DOCUMENT, subject=return_label_subject(rma.return_parcel))
    response = HttpResponse(documents.read_document(pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="return-label-{rma.number}.pdf"'
    return private(response)
