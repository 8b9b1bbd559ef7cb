"""Support's GDPR pages for one customer: export everything we hold about them (Art. 15/20) as
JSON, as a readable page or as a PDF, and erase them (Art. 17) after a confirmation step.

Support (and admins) with the permission ``orders.export_personal_data`` /
``orders.erase_personal_data``, in a session whose second factor was given (whatever the role).
Every export is recorded in the access log; an erasure in the privacy audit log.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from oms import documents, privacy
from oms.access_log import record_customer_access
from oms.models import AccessAction
from oms.roles import Role, role_required
from oms.second_factor import second_factor_required
from orders.forms import ErasureConfirmForm
from orders.models import Customer
from orders.privacy_documents import CUSTOMER_EXPORT_DOCUMENT, readable_sections

EXPORT_PERMISSION = "orders.export_personal_data"
ERASE_PERMISSION = "orders.erase_personal_data"


def _customer_or_404(request: HttpRequest, pk: int, permission: str) -> Customer:
    if not request.user.has_perm(permission):
        raise PermissionDenied
    return get_object_or_404(Customer, pk=pk)


@role_required(Role.SUPPORT)
@second_factor_required
@require_GET
def customer_privacy(request: HttpRequest, pk: int) -> HttpResponse:
    """The customer's GDPR page: what the export holds, the downloads, the way to the erasure."""
    customer = _customer_or_404(request, pk, EXPORT_PERMISSION)
    record_customer_access(request, subject_type="customer", subject_id=customer.pk, customer_id=customer.pk)
    return render(
        request,
        "orders/privacy/customer_privacy.html",
        {"customer": customer, "may_erase": request.user.has_perm(ERASE_PERMISSION)},
    )


@role_required(Role.SUPPORT)
@second_factor_required
@require_GET
def customer_export_json(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything held about the customer as one JSON file (Art. 20: machine-readable)."""
    customer = _customer_or_404(request, pk, EXPORT_PERMISSION)
    data = privacy.export_customer_data(customer.pk)
    record_customer_access(
        request,
        subject_type="customer-export",
        subject_id=customer.pk,
        customer_id=customer.pk,
        action=AccessAction.EXPORTED,
    )
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="customer-{customer.pk}-data.json"'
    return response


@role_required(Role.SUPPORT)
@second_factor_required
@require_GET
def customer_export_html(request: HttpRequest, pk: int) -> HttpResponse:
    """The same export as a page a person reads (and prints)."""
    customer = _customer_or_404(request, pk, EXPORT_PERMISSION)
    data = privacy.export_customer_data(customer.pk)
    record_customer_access(
        request,
        subject_type="customer-export",
        subject_id=customer.pk,
        customer_id=customer.pk,
        action=AccessAction.EXPORTED,
    )
    return render(
        request,
        "orders/privacy/customer_export.html",
        {"customer": customer, "sections": readable_sections(data), "exported_at": data["exported_at"]},
    )


@role_required(Role.SUPPORT)
@second_factor_required
@require_GET
def customer_export_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The same export as a PDF (the document service renders it now and keeps no copy)."""
    customer = _customer_or_404(request, pk, EXPORT_PERMISSION)
    pdf, filename = documents.render_document_unstored(CUSTOMER_EXPORT_DOCUMENT, subject=str(customer.pk))
    record_customer_access(
        request,
        subject_type="customer-export",
        subject_id=customer.pk,
        customer_id=customer.pk,
        action=AccessAction.EXPORTED,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@role_required(Role.SUPPORT)
@second_factor_required
@require_http_methods(["GET", "POST"])
def customer_erase(request: HttpRequest, pk: int) -> HttpResponse:
    """The confirmation step, and the erasure itself. Refused with the reasons (nothing changed)
    while the customer has open orders, open receivables or returns under way."""
    customer = _customer_or_404(request, pk, ERASE_PERMISSION)
    record_customer_access(request, subject_type="customer", subject_id=customer.pk, customer_id=customer.pk)
    form = ErasureConfirmForm(request.POST or None)
    refusals = privacy.erasure_refusals(customer.pk)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            erasure = privacy.erase_customer(customer.pk, by=request.user.get_username())
        except privacy.ErasureRefusedError as error:
            refusals = error.reasons
            status = 409
        else:
            messages.success(
                request,
                _(
                    "The customer's personal data was erased (%(count)s records). "
                    "Invoices and credit notes are kept until their retention period ends."
                )
                % {"count": sum(erasure.counts.values())},
            )
            return redirect("orders:support-customer-privacy", pk=customer.pk)
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "orders/privacy/customer_erase.html",
        {"customer": customer, "form": form, "refusals": refusals},
        status=status,
    )
