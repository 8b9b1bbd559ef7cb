"""The pick screen, for tablets and handhelds with a keyboard-wedge scanner: the next bin and
item in walking order, one scan field that always has the focus, the right item counted up, a
wrong one refused loudly with nothing counted, a short pick, and, when the order was cancelled
while picking, the picks shown as void.

Every scan is one htmx round trip that swaps ``#pick-work`` (with ``HX-Request`` only that part;
without it the whole page, or a redirect after a counted scan)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from fulfillment.exceptions import ShortPickError
from fulfillment.models import PickLine, PickList
from fulfillment.screen_selectors import pick_list_by_number, pick_view
from fulfillment.services.picking import ScanResult, report_short_pick, scan_pick
from fulfillment.warehouse_forms import ScanForm, ShortPickForm
from oms.exceptions import DomainError
from oms.roles import Role, role_required

TEMPLATE = "fulfillment/pick.html"
REFUSED = 422


def _pick_list_or_404(number: str) -> PickList:
    pick_list = pick_list_by_number(number)
    if pick_list is None:
        raise Http404(_("There is no pick list “%(number)s”.") % {"number": number})
    return pick_list


def _page(
    request: HttpRequest,
    pick_list: PickList,
    *,
    feedback: str = "",
    refused: bool = False,
    short_form: ShortPickForm | None = None,
    status: int = 200,
) -> HttpResponse:
    pick_list.refresh_from_db()
    view = pick_view(pick_list)
    if short_form is None and view.next_line is not None:
        short_form = ShortPickForm(initial={"line": view.next_line.pk, "quantity": view.next_line.quantity_open})
    context = {
        "view": view,
        "pick_list": pick_list,
        "scan_form": ScanForm(),
        "short_form": short_form,
        "feedback": feedback,
        "refused": refused,
    }
    template = TEMPLATE
    if request.htmx:
        template += "#pick-work"
    return render(request, template, context, status=status)


@role_required(Role.WAREHOUSE)
@require_GET
def pick(request: HttpRequest, number: str) -> HttpResponse:
    return _page(request, _pick_list_or_404(number))


def _counted(result: ScanResult) -> str:
    line = result.line
    if line is None:
        return ""
    if not result.counted:
        return _("Bin %(bin)s confirmed: take %(sku)s.") % {"bin": line.bin.code if line.bin else "-", "sku": line.sku}
    if result.finished:
        return _("%(sku)s counted. The pick list is complete: take the items to packing.") % {"sku": line.sku}
    return _("%(sku)s counted: %(picked)d of %(quantity)d.") % {
        "sku": line.sku,
        "picked": line.quantity_picked,
        "quantity": line.quantity - line.quantity_short,
    }


@role_required(Role.WAREHOUSE)
@require_POST
def pick_scan(request: HttpRequest, number: str) -> HttpResponse:
    """One scan: a bin confirms the place, the right GTIN or SKU counts one unit, anything else
    is refused (422) and counts nothing."""
    pick_list = _pick_list_or_404(number)
    form = ScanForm(request.POST)
    if not form.is_valid():
        return _page(request, pick_list, feedback=_("Scan a bin, GTIN or SKU."), refused=True, status=REFUSED)
    try:
        result = scan_pick(pick_list=pick_list, code=form.cleaned_data["code"], user=request.user)
    except DomainError as exc:
        return _page(request, pick_list, feedback=exc.message, refused=True, status=REFUSED)
    feedback = _counted(result)
    if not request.htmx:
        messages.success(request, feedback)
        return redirect("fulfillment:warehouse-pick", number=pick_list.number)
    return _page(request, pick_list, feedback=feedback)


@role_required(Role.WAREHOUSE)
@require_POST
def pick_short(request: HttpRequest, number: str) -> HttpResponse:
    """The picker reports units of the current line missing from its bin."""
    pick_list = _pick_list_or_404(number)
    form = ShortPickForm(request.POST)
    if not form.is_valid():
        return _page(
            request, pick_list, feedback=_("Enter the missing units."), refused=True, short_form=form, status=REFUSED
        )
    line = PickLine.objects.filter(pk=form.cleaned_data["line"], pick_list=pick_list).first()
    try:
        if line is None:
            raise ShortPickError(_("That line is not on pick list %(number)s.") % {"number": pick_list.number})
        report_short_pick(pick_line=line, quantity=form.cleaned_data["quantity"], user=request.user)
    except DomainError as exc:
        form.add_error("quantity" if exc.data.get("field") == "quantity" else None, exc.message)
        return _page(request, pick_list, feedback=exc.message, refused=True, short_form=form, status=REFUSED)
    feedback = _("%(units)d x %(sku)s reported missing from bin %(bin)s.") % _short_params(
        line, form.cleaned_data["quantity"]
    )
    if not request.htmx:
        messages.success(request, feedback)
        return redirect("fulfillment:warehouse-pick", number=pick_list.number)
    return _page(request, pick_list, feedback=feedback)


def _short_params(line: PickLine, units: int) -> dict[str, Any]:
    return {"units": units, "sku": line.sku, "bin": line.bin.code if line.bin else "-"}
