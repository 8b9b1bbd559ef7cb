"""The warehouse's return screens (tablet, keyboard-wedge scanner): find the parcel by its RMA
number or return label, then scan each unit in the condition chosen (resellable into a bin, or
damaged: blocked), finish (what never came is recorded missing) and scrap damaged units.

Every scan is one stateless round trip to ``returns.services.receiving``; a refused scan answers
422 with the reason, and nothing was booked. Condition and bin stay chosen between scans."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from oms.exceptions import DomainError
from oms.roles import Role, role_required
from returns.models import Condition, ReturnRequest
from returns.screen_selectors import (
    bin_in_warehouse,
    expected_returns,
    recent_units,
    return_by_number,
    screen_lines,
)
from returns.services.receiving import (
    find_return,
    finish_inspection,
    not_receivable_message,
    receive_unit,
    receiving_warehouse,
    scrap_damaged_units,
)
from returns.warehouse_forms import FindReturnForm, ReceiveScanForm, ScrapForm

START_TEMPLATE = "returns/warehouse/start.html"
TEMPLATE = "returns/warehouse/receive.html"
REFUSED = 422


def _return_or_404(number: str) -> ReturnRequest:
    request = return_by_number(number)
    if request is None:
        raise Http404(_("There is no return “%(number)s”.") % {"number": number})
    return request


@role_required(Role.WAREHOUSE)
@require_GET
def returns_start(request: HttpRequest) -> HttpResponse:
    """Scan the RMA number or the return label's tracking number: the return opens."""
    form = FindReturnForm(request.GET if "code" in request.GET else None)
    status = 200
    if form.is_bound and form.is_valid():
        found = find_return(form.cleaned_data["code"])
        if found is not None:
            return redirect("returns:warehouse-return", number=found.number)
        form.add_error("code", _("No return has the RMA or tracking number “%(code)s”.") % form.cleaned_data)
    if form.errors:
        status = REFUSED
    return render(request, START_TEMPLATE, {"form": form, "expected": list(expected_returns())}, status=status)


def _context(
    rma: ReturnRequest,
    *,
    scan_form: ReceiveScanForm | None = None,
    condition: str = Condition.RESELLABLE,
    bin_code: str = "",
    feedback: str = "",
    refused: bool = False,
) -> dict[str, Any]:
    warehouse = receiving_warehouse(rma)
    lines = screen_lines(rma, warehouse_id=warehouse.pk if warehouse else None)
    if scan_form is None:
        scan_form = ReceiveScanForm(initial={"condition": condition, "bin": bin_code})
    return {
        "rma": rma,
        "warehouse": warehouse,
        "lines": lines,
        "units": recent_units(rma),
        "scan_form": scan_form,
        "condition": condition,
        "bin_code": bin_code,
        "feedback": feedback,
        "refused": refused,
        "not_receivable": not_receivable_message(rma),
        "open_units": sum(line.open for line in lines),
        "scrappable": [line for line in lines if line.scrappable > 0],
        "scrap_form": ScrapForm(initial={"quantity": 1}),
    }


def _render(request: HttpRequest, context: dict[str, Any], *, status: int = 200) -> HttpResponse:
    template = TEMPLATE + ("#receive-work" if request.htmx else "")
    return render(request, template, context, status=status)


@role_required(Role.WAREHOUSE)
@require_GET
def return_screen(request: HttpRequest, number: str) -> HttpResponse:
    return _render(request, _context(_return_or_404(number)))


@role_required(Role.WAREHOUSE)
@require_POST
def return_scan(request: HttpRequest, number: str) -> HttpResponse:
    """Book one scanned unit in the chosen condition; 422 with the reason when refused."""
    rma = _return_or_404(number)
    form = ReceiveScanForm(request.POST)
    condition = request.POST.get("condition") if request.POST.get("condition") in Condition.values else ""
    sticky = {"condition": condition or Condition.RESELLABLE, "bin_code": (request.POST.get("bin") or "")[:30]}
    if not form.is_valid():
        errors = " ".join(str(e) for errors in form.errors.values() for e in errors)
        feedback = _("Check the scan: %(errors)s") % {"errors": errors}
        return _render(request, _context(rma, feedback=feedback, refused=True, **sticky), status=REFUSED)
    data = form.cleaned_data
    sticky = {"condition": data["condition"], "bin_code": data["bin"]}
    warehouse = receiving_warehouse(rma)
    bin_ = None
    if data["condition"] == Condition.RESELLABLE and data["bin"]:
        bin_ = bin_in_warehouse(data["bin"], warehouse_id=warehouse.pk if warehouse else None)
        if bin_ is None:
            feedback = _("There is no bin “%(bin)s” in warehouse %(warehouse)s.") % {
                "bin": data["bin"],
                "warehouse": warehouse.code if warehouse else "-",
            }
            return _render(request, _context(rma, feedback=feedback, refused=True, **sticky), status=REFUSED)
    try:
        received = receive_unit(rma, code=data["code"], condition=data["condition"], bin=bin_, user=request.user)
    except DomainError as exc:
        return _render(request, _context(rma, feedback=exc.message, refused=True, **sticky), status=REFUSED)
    line = received.line
    values = {
        "sku": line.order_line.sku,
        "bin": bin_.code if bin_ else "",
        "done": line.quantity_received,
        "units": line.quantity,
    }
    if received.condition == Condition.RESELLABLE:
        feedback = _("%(sku)s resellable, into bin %(bin)s (%(done)d of %(units)d).") % values
    else:
        feedback = _("%(sku)s damaged, booked in as blocked (%(done)d of %(units)d).") % values
    if received.inspected:
        feedback += " " + _("Every item is booked: the return is inspected.")
    return _render(request, _context(_return_or_404(number), feedback=feedback, **sticky))


@role_required(Role.WAREHOUSE)
@require_POST
def return_finish(request: HttpRequest, number: str) -> HttpResponse:
    """The parcel is empty: what is still expected is recorded missing, the return is inspected."""
    rma = _return_or_404(number)
    try:
        finish_inspection(rma, user=request.user)
    except DomainError as exc:
        return _render(request, _context(rma, feedback=exc.message, refused=True), status=REFUSED)
    message = _("Return %(number)s is inspected.") % {"number": rma.number}
    if not request.htmx:
        messages.success(request, message)
        return redirect("returns:warehouse-return", number=rma.number)
    return _render(request, _context(_return_or_404(number), feedback=message))


@role_required(Role.WAREHOUSE)
@require_POST
def return_scrap(request: HttpRequest, number: str) -> HttpResponse:
    """Scrap damaged (blocked) units of one line of the return."""
    rma = _return_or_404(number)
    form = ScrapForm(request.POST)
    if not form.is_valid():
        errors = " ".join(str(e) for errors in form.errors.values() for e in errors)
        return _render(request, _context(rma, feedback=errors, refused=True), status=REFUSED)
    data = form.cleaned_data
    try:
        line = scrap_damaged_units(
            rma, line_id=data["line"], quantity=data["quantity"], reason=data["reason"], user=request.user
        )
    except DomainError as exc:
        return _render(request, _context(rma, feedback=exc.message, refused=True), status=REFUSED)
    message = _("%(units)d x %(sku)s scrapped.") % {"units": data["quantity"], "sku": line.order_line.sku}
    if not request.htmx:
        messages.success(request, message)
        return redirect("returns:warehouse-return", number=rma.number)
    return _render(request, _context(_return_or_404(number), feedback=message))
