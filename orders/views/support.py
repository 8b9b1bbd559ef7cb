"""Support desk: order search and the order page with the actions an agent may take.

Every action is a POST to ``/support/orders/<number>/<verb>/``. For htmx it answers the updated
``order-body`` partial (with the messages swapped out of band); without htmx it redirects back
to the order page. A refused action (illegal transition, invalid input) saves nothing and shows
why: htmx gets the partial with status 422 (the status base.html lets htmx swap), a plain form
post gets the full page with 409 or 422.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from oms import panels
from oms.access_log import record_customer_access
from oms.exceptions import DomainError
from oms.htmx import run_service_and_answer
from oms.roles import Role, role_required
from orders import forms
from orders.exceptions import OrderValidationError
from orders.selectors.order_detail import notes_for_order, order_detail_for_support_or_404, order_for_support_or_404
from orders.services import cancellation, editing, lifecycle
from orders.services.drafts import AddressDraft
from orders.services.editing import OrderEdit

DETAIL_TEMPLATE = "orders/order_detail.html"


def order_page_context(request: HttpRequest, number: str, **extra: Any) -> dict[str, Any]:
    detail = order_detail_for_support_or_404(number=number)
    context: dict[str, Any] = {
        "detail": detail,
        "order": detail.order,
        "hold_form": forms.ReasonForm(prefix="hold"),
        "cancel_form": forms.ReasonForm(prefix="cancel"),
        "cancel_lines_form": forms.CancelLinesForm(lines=detail.cancellable_lines, prefix="lines"),
        "address_form": forms.AddressForm(initial=detail.shipping_address_initial, prefix="address"),
        "edit_lines_form": forms.EditLinesForm(lines=detail.editable_lines, prefix="edit"),
        "note_form": forms.NoteForm(),
        "case_form": forms.CaseForm(prefix="case"),
    }
    context.update(extra)
    context["panels"] = panels.render_slot("order-detail", request=request, order=detail.order)
    # Badges higher apps show beside the order's state (billing: the payment state).
    context["header_badges"] = panels.render_slot("order-header", request=request, order=detail.order)
    return context


@role_required(Role.SUPPORT)
@require_GET
def order_detail(request: HttpRequest, number: str) -> HttpResponse:
    """Everything about one order: lines, customer, addresses, money, routing, timeline, notes, actions."""
    context = order_page_context(request, number)
    order = context["order"]
    record_customer_access(request, subject_type="order", subject_id=order.number, customer_id=order.customer_id)
    template = f"{DETAIL_TEMPLATE}#order-body" if request.htmx else DETAIL_TEMPLATE
    return render(request, template, context)


def _answer(request: HttpRequest, number: str, *, status: int = 200, **extra: Any) -> HttpResponse:
    """The response to an action: the fresh ``order-body`` partial for htmx, else the page."""
    if request.htmx:
        context = order_page_context(request, number, **extra)
        return render(request, f"{DETAIL_TEMPLATE}#order-body", context, status=422 if status >= 400 else status)
    if status >= 400:
        return render(request, DETAIL_TEMPLATE, order_page_context(request, number, **extra), status=status)
    return redirect("orders:support-order-detail", number=number)


def _agent(request: HttpRequest) -> str:
    """How the timeline names the agent."""
    return f"support:{request.user.get_username()}"


def _run_action(
    request: HttpRequest,
    number: str,
    action: Callable[..., Any],
    *,
    success: str,
    form: Any = None,
    form_key: str = "",
    **kwargs: Any,
) -> HttpResponse:
    """Validate ``form`` (when given), run one service on the order, and answer; a DomainError saves nothing."""
    order = order_for_support_or_404(number=number)
    extra = {form_key: form, "open_form": form_key} if form is not None else {}
    return run_service_and_answer(
        request,
        lambda: action(order=order, user=request.user, actor_label=_agent(request), **kwargs),
        form=form,
        invalid=_("Please correct the errors below."),
        show_refusal=lambda exc: _flash_refusal(request, exc),
        answer=lambda status: _answer(request, number, status=status, **extra),
        done=lambda _result: _answer(request, number),
        success=success,
    )


def _flash_refusal(request: HttpRequest, exc: DomainError) -> None:
    if isinstance(exc, OrderValidationError):
        # Say what is wrong, not only how many problems there are.
        for problems in exc.errors.values():
            for problem in problems:
                messages.error(request, problem)
    else:
        messages.error(request, exc.message)


@role_required(Role.SUPPORT)
@require_POST
def order_hold(request: HttpRequest, number: str) -> HttpResponse:
    form = forms.ReasonForm(request.POST, prefix="hold")
    return _run_action(
        request,
        number,
        lambda **kw: lifecycle.hold_order(reason=form.cleaned_data["reason"], **kw),
        success=_("The order is on hold."),
        form=form,
        form_key="hold_form",
    )


@role_required(Role.SUPPORT)
@require_POST
def order_unhold(request: HttpRequest, number: str) -> HttpResponse:
    form = forms.OptionalReasonForm(request.POST, prefix="unhold")
    return _run_action(
        request,
        number,
        lambda **kw: lifecycle.unhold_order(reason=form.cleaned_data["reason"], **kw),
        success=_("The hold is lifted."),
        form=form,
        form_key="unhold_form",
    )


@role_required(Role.SUPPORT)
@require_POST
def order_cancel(request: HttpRequest, number: str) -> HttpResponse:
    form = forms.ReasonForm(request.POST, prefix="cancel")
    return _run_action(
        request,
        number,
        lambda **kw: cancellation.cancel_order(reason=form.cleaned_data["reason"], **kw),
        success=_("The order is cancelled."),
        form=form,
        form_key="cancel_form",
    )


@role_required(Role.SUPPORT)
@require_POST
def order_cancel_lines(request: HttpRequest, number: str) -> HttpResponse:
    detail = order_detail_for_support_or_404(number=number)
    form = forms.CancelLinesForm(request.POST, lines=detail.cancellable_lines, prefix="lines")
    return _run_action(
        request,
        number,
        lambda **kw: cancellation.cancel_order_lines(
            quantities=form.quantities(), reason=form.cleaned_data["reason"], **kw
        ),
        success=_("The lines are cancelled."),
        form=form,
        form_key="cancel_lines_form",
    )


@role_required(Role.SUPPORT)
@require_POST
def order_edit_address(request: HttpRequest, number: str) -> HttpResponse:
    form = forms.AddressForm(request.POST, prefix="address")
    return _run_action(
        request,
        number,
        lambda **kw: editing.edit_order(edit=OrderEdit(shipping_address=AddressDraft(**form.cleaned_data)), **kw),
        success=_("The shipping address is changed."),
        form=form,
        form_key="address_form",
    )


@role_required(Role.SUPPORT)
@require_POST
def order_edit_lines(request: HttpRequest, number: str) -> HttpResponse:
    """Change quantities (0 removes a line) or add a product at its catalogue price; the order is
    re-allocated and re-totalled, and the edit goes on the timeline."""
    detail = order_detail_for_support_or_404(number=number)
    # All lines, not only editable ones: a post from a page that went stale (the order was released
    # meanwhile) reaches the service, which explains why it cannot be edited any more.
    form = forms.EditLinesForm(request.POST, lines=detail.lines, prefix="edit")

    def edit(*, order: Any, **kw: Any) -> Any:
        quantities, additions = form.changes()
        new_lines = editing.lines_at_catalogue_price(order=order, additions=additions)
        return editing.edit_order(order=order, edit=OrderEdit(quantities=quantities, add_lines=new_lines), **kw)

    return _run_action(
        request,
        number,
        edit,
        success=_("The lines are changed."),
        form=form,
        form_key="edit_lines_form",
    )


@role_required(Role.SUPPORT)
@require_POST
def order_add_note(request: HttpRequest, number: str) -> HttpResponse:
    """Add an internal note; htmx gets the notes partial back (with an empty form)."""
    form = forms.NoteForm(request.POST)
    order = order_for_support_or_404(number=number)
    if form.is_valid():
        lifecycle.add_note(order=order, user=request.user, text=form.cleaned_data["text"], actor_label=_agent(request))
        form = forms.NoteForm()
        status = 200
        if not request.htmx:
            messages.success(request, _("Note added."))
            return redirect("orders:support-order-detail", number=number)
    else:
        status = 422
    if not request.htmx:
        return render(request, DETAIL_TEMPLATE, order_page_context(request, number, note_form=form), status=status)
    context = {"order": order, "notes": notes_for_order(order=order), "note_form": form}
    return render(request, "orders/partials/order_notes.html", context, status=status)
