"""Inbound pages: the receiving screen (scan a PO, then its lines). The purchase order pages are
``purchase_orders``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_htmx.http import retarget

from inventory.forms import (
    PurchaseOrderPickForm,
    ReceiveAllForm,
    ReceiveLineForm,
    add_domain_error,
)
from inventory.models import PurchaseOrder
from inventory.models.catalog import bin_code_validator
from inventory.screen_selectors import (
    open_purchase_orders,
    po_line_for_code,
    product_by_code,
    purchase_order_with_lines,
)
from inventory.services.receiving import ReceiptLine, receive_purchase_order, receive_purchase_order_line
from inventory.views import render_fragments
from oms.exceptions import DomainError
from oms.htmx import run_service_and_answer
from oms.roles import Role, role_required

# --- receiving ----------------------------------------------------------------------------------


def _kept_bin(code: Any) -> str:
    """The bin of the last receipt, offered again for the next line (a delivery is usually put
    away into one bin); anything that is no bin code is dropped."""
    code = str(code or "").strip().upper()
    try:
        bin_code_validator(code)
    except ValidationError:
        return ""
    return code if len(code) <= 30 else ""


def _fresh_line_form(po: PurchaseOrder, *, bin_code: str = "") -> ReceiveLineForm:
    """The line form for the next scan: one unit (most scans are one item in the hand), the bin kept."""
    return ReceiveLineForm(warehouse=po.warehouse, initial={"quantity": 1, "bin": bin_code})


def _receiving_context(
    request: HttpRequest,
    *,
    po: PurchaseOrder | None,
    pick_form: PurchaseOrderPickForm,
    line_form: ReceiveLineForm | None = None,
    all_form: ReceiveAllForm | None = None,
    bin_code: str = "",
) -> dict[str, Any]:
    if po is not None:
        # The scanner focus belongs to the line's code input once a PO is chosen.
        for attr in ("data-autofocus", "autofocus"):
            pick_form.fields["po"].widget.attrs.pop(attr, None)
        if line_form is None:
            line_form = _fresh_line_form(po, bin_code=bin_code)
        if all_form is None:
            all_form = ReceiveAllForm(warehouse=po.warehouse)
    return {
        "po": po,
        "pick_form": pick_form,
        "line_form": line_form,
        "all_form": all_form,
        "open_pos": open_purchase_orders(),
    }


@role_required(Role.WAREHOUSE)
@require_http_methods(["GET"])
def receiving(request: HttpRequest) -> HttpResponse:
    """Pick or scan an open PO (``?po=<number>``); then its lines and the receive form are shown."""
    po = None
    status = 200
    if "po" in request.GET:
        pick_form = PurchaseOrderPickForm(request.GET)
        if pick_form.is_valid():
            po = purchase_order_with_lines(number=pick_form.cleaned_data["po"])
            if po is None:
                pick_form.add_error(
                    "po", _("Purchase order: there is no PO “%(number)s”.") % {"number": pick_form.cleaned_data["po"]}
                )
        if pick_form.errors:
            status = 422
    else:
        pick_form = PurchaseOrderPickForm()
    context = _receiving_context(request, po=po, pick_form=pick_form, bin_code=_kept_bin(request.GET.get("bin")))
    template = "inventory/receiving.html"
    if request.htmx and request.htmx.target == "receiving-work":
        template += "#receiving-work"
    return render(request, template, context, status=status)


@role_required(Role.WAREHOUSE)
@require_http_methods(["POST"])
def receiving_receive(request: HttpRequest, number: str) -> HttpResponse:
    """Receive one scanned line of PO ``number`` into its warehouse (and bin)."""
    po = purchase_order_with_lines(number=number)
    if po is None:
        raise Http404(_("There is no purchase order “%(number)s”.") % {"number": number})
    form = ReceiveLineForm(request.POST, warehouse=po.warehouse)
    if not po.is_open:
        form.is_valid()
        form.add_error(
            None,
            _("%(number)s is %(state)s and cannot receive goods.")
            % {"number": po.number, "state": po.get_state_display()},
        )
    elif form.is_valid():
        data = form.cleaned_data
        line = po_line_for_code(po, data["code"])
        if line is None:
            if product_by_code(data["code"]) is None:
                message = _("SKU or GTIN: no product has the code “%(code)s”.")
            else:
                message = _("SKU or GTIN: “%(code)s” is not on this purchase order.")
            form.add_error("code", message % {"code": data["code"]})
        else:
            try:
                receive_purchase_order_line(
                    line=line,
                    quantity=data["quantity"],
                    bin=data.get("bin_location"),
                    allow_over_receipt=data["confirm_over_receipt"],
                    user=request.user,
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request,
                    _("Received %(quantity)d x %(sku)s for %(number)s%(bin)s.")
                    % {
                        "quantity": data["quantity"],
                        "sku": line.product.sku,
                        "number": po.number,
                        "bin": f" → {data['bin_location'].code}" if data.get("bin_location") else "",
                    },
                )
                return _received(
                    request, po, bin_code=data.get("bin_location").code if data.get("bin_location") else ""
                )

    if request.htmx:
        return render(request, "inventory/receiving.html#receive-form", {"po": po, "line_form": form}, status=422)
    messages.error(request, _("Nothing was received: please correct the marked fields."))
    pick_form = PurchaseOrderPickForm(initial={"po": po.number})
    context = _receiving_context(request, po=po, pick_form=pick_form, line_form=form)
    return render(request, "inventory/receiving.html", context, status=422)


def _received(request: HttpRequest, po: PurchaseOrder, *, bin_code: str = "") -> HttpResponse:
    """After a receipt: back to the PO (redirect without JS; htmx: the refreshed receiving area),
    with the bin just used already in the next line's form."""
    if not request.htmx:
        query = {"po": po.number, **({"bin": bin_code} if bin_code else {})}
        return redirect(f"{reverse('inventory:receiving')}?{urlencode(query)}")
    po = purchase_order_with_lines(number=po.number)
    pick_form = PurchaseOrderPickForm(initial={"po": po.number})
    context = _receiving_context(request, po=po, pick_form=pick_form, bin_code=bin_code)
    response = render_fragments(request, [("inventory/receiving.html#receiving-work", context)])
    return retarget(response, "#receiving-work")


@role_required(Role.WAREHOUSE)
@require_http_methods(["POST"])
def receiving_receive_all(request: HttpRequest, number: str) -> HttpResponse:
    """Receive every open quantity of PO ``number`` (a complete delivery)."""
    po = purchase_order_with_lines(number=number)
    if po is None:
        raise Http404(_("There is no purchase order “%(number)s”.") % {"number": number})
    form = ReceiveAllForm(request.POST, warehouse=po.warehouse)
    open_lines = [line for line in po.line_list if line.quantity_open > 0]

    def receive_all() -> Any:
        bin_location = form.cleaned_data.get("bin_location")
        lines = [
            ReceiptLine(line_id=line.pk, quantity=line.quantity_open, bin_id=bin_location.pk if bin_location else None)
            for line in open_lines
        ]
        return receive_purchase_order(purchase_order=po, lines=lines, user=request.user)

    def refused(status: int) -> HttpResponse:
        if request.htmx:
            return render(
                request, "inventory/receiving.html#receive-all-form", {"po": po, "all_form": form}, status=status
            )
        messages.error(request, _("Nothing was received: please correct the marked fields."))
        pick_form = PurchaseOrderPickForm(initial={"po": po.number})
        context = _receiving_context(request, po=po, pick_form=pick_form, all_form=form)
        return render(request, "inventory/receiving.html", context, status=status)

    return run_service_and_answer(
        request,
        receive_all,
        form=form,
        show_refusal=lambda error: form.add_error(None, error.message),
        refusal_in_form=True,
        answer=refused,
        success=_("Received all open quantities of %(number)s: %(units)d units on %(lines)d lines.")
        % {"number": po.number, "units": sum(ln.quantity_open for ln in open_lines), "lines": len(open_lines)},
        done=lambda _result: _received(request, po),
    )
