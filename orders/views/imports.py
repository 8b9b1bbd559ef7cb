"""CSV order import: upload page, then a status partial that polls every second until done."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect, HttpResponseStopPolling

from oms.roles import Role, role_required
from orders import forms
from orders.selectors.channels import channel_by_code, channel_choices
from orders.selectors.imports import order_import_or_404, recent_order_imports
from orders.services import imports as import_services
from orders.tasks import import_orders_csv_task

TEMPLATE = "orders/order_import.html"
DETAIL_TEMPLATE = "orders/order_import_detail.html"


def _upload_form(data: Any = None, files: Any = None) -> forms.ImportUploadForm:
    return forms.ImportUploadForm(data, files, channels=channel_choices())


@role_required(Role.SUPPORT)
@require_http_methods(["GET", "POST"])
def order_import(request: HttpRequest) -> HttpResponse:
    """Upload a file; the import runs as a Celery task and the agent watches its progress."""
    form = _upload_form(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            channel = channel_by_code(form.cleaned_data["channel"])
            order_import = import_services.create_order_import(
                upload=form.cleaned_data["file"], channel=channel, user=request.user
            )
            import_services.start_order_import(order_import=order_import, task=import_orders_csv_task)
            url = reverse("orders:support-order-import-detail", args=[order_import.pk])
            messages.success(
                request, _("“%(name)s” is uploaded and being imported.") % {"name": order_import.original_name}
            )
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
        if request.htmx:
            context = {"form": form, "columns": import_services.column_help()}
            return render(request, f"{TEMPLATE}#import-form", context, status=422)
        return render(request, TEMPLATE, _page_context(form), status=422)
    return render(request, TEMPLATE, _page_context(form))


def _page_context(form: forms.ImportUploadForm) -> dict[str, Any]:
    return {"form": form, "columns": import_services.column_help(), "recent": recent_order_imports()}


@role_required(Role.SUPPORT)
@require_GET
def order_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Progress and the per-row error report; htmx polling stops (286) once the import finished."""
    order_import = order_import_or_404(pk=pk)
    context = {"order_import": order_import}
    if request.htmx:
        response = render(request, f"{DETAIL_TEMPLATE}#import-status", context)
        return HttpResponseStopPolling(response.content) if order_import.is_finished else response
    return render(request, DETAIL_TEMPLATE, context)


@role_required(Role.SUPPORT)
@require_GET
def order_import_template(request: HttpRequest) -> HttpResponse:
    """The CSV template: every column the import reads and one example row, for German Excel."""
    response = StreamingHttpResponse(import_services.template_csv_lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="order-import-template.csv"'
    return response
