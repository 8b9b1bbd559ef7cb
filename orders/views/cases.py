"""Support cases: the queue of open cases, one case with its message thread, opening one from an order."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from oms.access_log import record_customer_access
from oms.htmx import run_service_and_answer
from oms.lists import Column, CsvColumn, DateRange, ListDefinition, render_list
from oms.roles import Role, role_required
from orders import forms
from orders.selectors.cases import case_for_support_or_404, case_queue, case_state_choices, case_thread
from orders.selectors.order_detail import order_for_support_or_404
from orders.services import cases as case_services
from orders.views.support import order_page_context

DETAIL_TEMPLATE = "orders/case_detail.html"


CASE_LIST = ListDefinition(
    name="cases",
    element_id="case-table",
    template="orders/case_list.html",
    url_name="orders:support-case-list",
    url_base="orders:support-case",
    roles=(Role.SUPPORT,),
    columns=[
        Column("number", "#"),
        Column("subject", gettext_lazy("Subject"), sort="subject"),
        Column("order", gettext_lazy("Order")),
        Column("customer", gettext_lazy("Customer")),
        Column("state", gettext_lazy("State")),
        Column("updated", gettext_lazy("Last activity"), sort="updated_at", numeric=True),
    ],
    default_sort="-updated",
    filter_form=forms.CaseQueueForm,
    form_kwargs=lambda: {"states": case_state_choices()},
    source=case_queue,
    date_ranges=[DateRange("updated", "updated_at", gettext_lazy("Last activity"))],
    csv_columns=[
        CsvColumn("#", lambda c: c.pk),
        CsvColumn(gettext_lazy("Subject"), lambda c: c.subject),
        CsvColumn(gettext_lazy("Order"), lambda c: c.order.number if c.order else ""),
        CsvColumn(gettext_lazy("Customer"), lambda c: c.customer.email),
        CsvColumn(gettext_lazy("State"), lambda c: c.get_state_display()),
        CsvColumn(gettext_lazy("Last activity"), lambda c: timezone.localtime(c.updated_at).strftime("%d.%m.%Y %H:%M")),
    ],
    csv_name="cases",
    related=("order", "customer"),
    page_size=25,
)


@role_required(Role.SUPPORT)
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """The queue: open and waiting cases, latest activity first, sortable, filterable, keyset pages."""
    return render_list(request, CASE_LIST)


@role_required(Role.SUPPORT)
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_for_support_or_404(pk=pk)
    record_customer_access(request, subject_type="case", subject_id=case.pk, customer_id=case.customer_id)
    context = {"case": case, "message_form": forms.CaseMessageForm(), **case_thread(case=case)}
    template = f"{DETAIL_TEMPLATE}#case-thread" if request.htmx else DETAIL_TEMPLATE
    return render(request, template, context)


@role_required(Role.SUPPORT)
@require_POST
def case_create(request: HttpRequest, number: str) -> HttpResponse:
    """Open a case about an order; answers a redirect to the new case (htmx: client redirect)."""
    order = order_for_support_or_404(number=number)
    form = forms.CaseForm(request.POST, prefix="case")
    if not form.is_valid():
        messages.error(request, _("A case needs a subject and a first message."))
        context = order_page_context(request, number, case_form=form, open_form="case_form")
        return render(request, "orders/order_detail.html", context, status=422)
    case = case_services.open_case(
        order=order, subject=form.cleaned_data["subject"], message=form.cleaned_data["message"], user=request.user
    )
    messages.success(request, _("Case #%(pk)d opened.") % {"pk": case.pk})
    url = reverse("orders:support-case-detail", args=[case.pk])
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def _thread_answer(request: HttpRequest, case_pk: int, *, form: forms.CaseMessageForm, status: int) -> HttpResponse:
    case = case_for_support_or_404(pk=case_pk)
    context = {"case": case, "message_form": form, **case_thread(case=case)}
    if request.htmx:
        return render(request, f"{DETAIL_TEMPLATE}#case-thread", context, status=status)
    if status >= 400:
        return render(request, DETAIL_TEMPLATE, context, status=status)
    return redirect("orders:support-case-detail", pk=case_pk)


@role_required(Role.SUPPORT)
@require_POST
def case_reply(request: HttpRequest, pk: int) -> HttpResponse:
    """Add an agent message to the thread; answers the updated thread partial."""
    case = case_for_support_or_404(pk=pk)
    form = forms.CaseMessageForm(request.POST)
    return run_service_and_answer(
        request,
        lambda: case_services.add_case_message(case=case, body=form.cleaned_data["body"], user=request.user),
        form=form,
        answer=lambda status: _thread_answer(request, pk, form=form, status=422 if status >= 400 else status),
        success=_("Your reply is added to case #%(pk)d.") % {"pk": case.pk},
        done=lambda _message: _thread_answer(request, pk, form=forms.CaseMessageForm(), status=200),
    )


@role_required(Role.SUPPORT)
@require_POST
def case_transition(request: HttpRequest, pk: int, verb: str) -> HttpResponse:
    """wait / resolve / reopen; an illegal move shows a message and changes nothing."""
    case = case_for_support_or_404(pk=pk)
    return run_service_and_answer(
        request,
        lambda: case_services.change_case_state(case=case, action=verb, user=request.user),
        answer=lambda status: _thread_answer(request, pk, form=forms.CaseMessageForm(), status=status),
        success=lambda changed: (
            _("Case #%(pk)d is now “%(state)s”.") % {"pk": changed.pk, "state": changed.get_state_display()}
        ),
        done=lambda _changed: _thread_answer(request, pk, form=forms.CaseMessageForm(), status=200),
    )
