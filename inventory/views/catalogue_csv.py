"""CSV import and export of products and stock levels (managers, admins).

An import is all or nothing: the service checks every row first and raises
``ImportValidationError`` with one ``RowError`` per problem; the page shows them as a table
(row, field, message) and nothing is written.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from inventory.exceptions import ImportValidationError
from inventory.forms import CsvImportForm
from inventory.services.imports import (
    ImportResult,
    export_products_csv,
    export_stock_levels_csv,
    import_products_csv,
    import_stock_levels_csv,
)
from inventory.views import render_fragments
from oms.exceptions import DomainError
from oms.roles import Role, role_required

CSV_ROLES = (Role.MANAGER,)  # admins have every role
# A 20 MB file can hold hundreds of thousands of broken rows; the page lists the first ones.
ROW_ERRORS_SHOWN = 1000


@role_required(*CSV_ROLES)
@require_http_methods(["GET", "POST"])
def csv_exchange(request: HttpRequest) -> HttpResponse:
    """Upload a products or stock-levels CSV; download the current data as CSV."""
    row_errors = []
    status = 200
    if request.method == "POST":
        form = CsvImportForm(request.POST, request.FILES)
        if form.is_valid():
            kind = form.cleaned_data["kind"]
            try:
                result = _import(kind, form.cleaned_data["file"], request)
            except ImportValidationError as error:
                row_errors = error.errors
                form.add_error(None, error.message)
            except DomainError as error:
                form.add_error("file", error.message)
            else:
                messages.success(request, _import_message(kind, result))
                if not request.htmx:
                    return redirect("inventory:csv-exchange")
                # A fresh form in place, the message out of band.
                fresh = {"form": CsvImportForm(initial={"kind": kind}), "row_errors": []}
                return render_fragments(request, [("inventory/csv_exchange.html#csv-import", fresh)])
        status = 422
    else:
        form = CsvImportForm()
    context = {
        "form": form,
        "row_errors": row_errors[:ROW_ERRORS_SHOWN],
        "more_row_errors": max(len(row_errors) - ROW_ERRORS_SHOWN, 0),
    }
    template = "inventory/csv_exchange.html"
    if request.htmx:  # the upload form is the page's only htmx element
        template += "#csv-import"
    return render(request, template, context, status=status)


def _import(kind: str, upload: UploadedFile, request: HttpRequest) -> ImportResult:
    data = upload.read()
    if kind == "products":
        return import_products_csv(data=data, user=request.user)
    return import_stock_levels_csv(data=data, user=request.user)


def _import_message(kind: str, result: ImportResult) -> str:
    numbers = {"rows": result.rows, "created": result.created, "updated": result.updated}
    if kind == "products":
        return _("Products imported: %(rows)d rows (%(created)d new, %(updated)d updated).") % numbers
    return _("Stock levels imported: %(rows)d rows (%(updated)d changed by a count movement).") % numbers


@role_required(*CSV_ROLES)
@require_http_methods(["GET"])
def csv_export(request: HttpRequest, kind: str) -> HttpResponse:
    """Stream ``products`` or ``stock`` as CSV (the same columns the import reads)."""
    if kind == "products":
        rows = export_products_csv()
    elif kind == "stock":
        rows = export_stock_levels_csv()
    else:
        return HttpResponse(status=404)
    stamp = timezone.localdate().isoformat()
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}-{stamp}.csv"'
    return response
