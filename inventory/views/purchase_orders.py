"""Purchase order pages under /warehouse/purchase-orders/: the list (``oms.lists``), one order with
its lines, what the supplier was sent and receiving, and the forms that create, edit, send and
cancel. The warehouse reads and receives; managers order. Every change goes through
``inventory.services`` (``purchasing``, ``receiving``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from inventory.forms import add_domain_error
from inventory.models import Product, PurchaseOrder
from inventory.purchasing_forms import (
    PurchaseOrderFilterForm,
    PurchaseOrderForm,
    ReceiveLinesForm,
    line_formset,
)
from inventory.screen_selectors import (
    active_warehouses,
    purchase_order_sending,
    purchase_order_with_lines,
    purchase_orders_for_list,
)
from inventory.services.purchasing import (
    PURCHASE_ORDER_DOCUMENT,
    send_purchase_order,
    update_purchase_order,
)
from inventory.services.receiving import (
    ReceiptLine,
    cancel_purchase_order,
    create_purchase_order,
    receive_purchase_order,
)
from oms.exceptions import DomainError
from oms.htmx import INVALID_STATUS
from oms.lists import Column, CsvColumn, DateRange, ListDefinition, MoneyTotal, QuantityTotal, render_list
from oms.roles import Role, has_role, role_required
from oms.templatetags.oms import format_money

PO_VIEW_ROLES = (Role.WAREHOUSE, Role.MANAGER)
# Ordering from suppliers is the managers' (there is no separate warehouse-lead role).
PO_EDIT_ROLES = (Role.MANAGER,)
DETAIL_TEMPLATE = "inventory/purchase_order_detail.html"
FORM_TEMPLATE = "inventory/purchase_order_form.html"
MAIL_SUBJECT_TYPE = "purchase_order"  # inventory.purchase_documents registers it


def _amount(po: PurchaseOrder) -> str:
    return format_money(po.amount_total, "EUR") if po.amount_total else ""


PURCHASE_ORDER_LIST = ListDefinition(
    name="purchase-orders",
    element_id="purchase-order-table",
    template="inventory/purchase_order_list.html",
    url_name="inventory:purchase-order-list",
    url_base="inventory:purchase-order",
    roles=PO_VIEW_ROLES,
    columns=[
        Column("number", gettext_lazy("Number"), sort="number"),
        Column("supplier", gettext_lazy("Supplier"), sort="supplier_name"),
        Column("warehouse", gettext_lazy("Warehouse")),
        Column("expected", gettext_lazy("Expected"), sort="expected_sort"),
        Column("state", gettext_lazy("State")),
        Column("ordered", gettext_lazy("Ordered"), sort="ordered_total", numeric=True),
        Column("received", gettext_lazy("Received"), numeric=True),
        Column("amount", gettext_lazy("Amount"), sort="amount_total", numeric=True),
        Column("created", gettext_lazy("Created"), sort="created_at", numeric=True),
    ],
    default_sort="expected",
    filter_form=PurchaseOrderFilterForm,
    form_kwargs=lambda: {"warehouses": active_warehouses()},
    source=purchase_orders_for_list,
    date_ranges=[
        DateRange("expected", "expected_date", gettext_lazy("Expected")),
        DateRange("created", "created_at", gettext_lazy("Created")),
    ],
    totals=[
        QuantityTotal(gettext_lazy("Ordered"), "ordered_total"),
        QuantityTotal(gettext_lazy("Received"), "received_total"),
        MoneyTotal(gettext_lazy("Amount"), "amount_total"),
    ],
    csv_columns=[
        CsvColumn(gettext_lazy("Number"), lambda po: po.number),
        CsvColumn(gettext_lazy("Supplier"), lambda po: po.supplier.name),
        CsvColumn(gettext_lazy("Warehouse"), lambda po: po.warehouse.code),
        CsvColumn(gettext_lazy("Expected"), lambda po: po.expected_date.isoformat() if po.expected_date else ""),
        CsvColumn(gettext_lazy("State"), lambda po: po.get_state_display()),
        CsvColumn(gettext_lazy("Ordered"), lambda po: po.ordered_total),
        CsvColumn(gettext_lazy("Received"), lambda po: po.received_total),
        CsvColumn(gettext_lazy("Amount"), lambda po: po.amount_total),
    ],
    csv_name="purchase-orders",
    row_label=lambda po: po.number,
)


@role_required(*PO_VIEW_ROLES)
@require_http_methods(["GET"])
def purchase_order_list(request: HttpRequest) -> HttpResponse:
    """Open purchase orders by expected date unless filtered or sorted otherwise: supplier, state,
    warehouse, expected and created date ranges; the count, units and amount, CSV, saved views."""
    return render_list(request, PURCHASE_ORDER_LIST, extra={"may_order": has_role(request.user, *PO_EDIT_ROLES)})


def _po_or_404(number: str) -> PurchaseOrder:
    po = purchase_order_with_lines(number=number)
    if po is None:
        raise Http404(_("There is no purchase order “%(number)s”.") % {"number": number})
    return po


def _detail_context(request: HttpRequest, po: PurchaseOrder, *, receive_form: Any = None) -> dict[str, Any]:
    lines = po.line_list
    open_lines = [line for line in lines if line.quantity_open > 0]
    if receive_form is None and po.is_open:
        receive_form = ReceiveLinesForm(lines=open_lines, warehouse=po.warehouse)
    return {
        "po": po,
        "totals": {
            "ordered": sum(line.quantity_ordered for line in lines),
            "received": sum(line.quantity_received for line in lines),
            "open": sum(line.quantity_open for line in lines),
            "amount": sum((line.unit_cost * line.quantity_ordered for line in lines if line.unit_cost is not None), 0),
        },
        "sending": purchase_order_sending(
            po, document_kind=PURCHASE_ORDER_DOCUMENT, mail_subject_type=MAIL_SUBJECT_TYPE
        ),
        "may_order": has_role(request.user, *PO_EDIT_ROLES),
        "receive_form": receive_form,
    }


@role_required(*PO_VIEW_ROLES)
@require_http_methods(["GET"])
def purchase_order_detail(request: HttpRequest, number: str) -> HttpResponse:
    po = _po_or_404(number)
    return render(request, DETAIL_TEMPLATE, _detail_context(request, po))


# --- create and edit ----------------------------------------------------------------------------


def _form_page(
    request: HttpRequest, *, po: PurchaseOrder | None, form: PurchaseOrderForm, lines: Any, status: int = 200
) -> HttpResponse:
    products = Product.objects.filter(active=True).order_by("sku").values_list("sku", "name")[:500]
    return render(request, FORM_TEMPLATE, {"po": po, "form": form, "lines": lines, "products": products}, status=status)


def _posted_lines(request: HttpRequest) -> Any:
    """The posted line rows; "More lines" (``?more=1``) asks for the same rows and a few empty ones more."""
    lines = line_formset(request.POST, blank=0)
    if request.GET.get("more") and lines.is_valid():
        rows = [form.cleaned_data for form in lines.forms if not form.is_blank]
        return line_formset(initial=[_row(r) for r in rows]), True
    return lines, False


def _row(data: dict[str, Any]) -> dict[str, Any]:
    return {"sku": data.get("sku", ""), "quantity": data.get("quantity"), "unit_cost": data.get("unit_cost")}


@role_required(*PO_EDIT_ROLES)
@require_http_methods(["GET", "POST"])
def purchase_order_new(request: HttpRequest) -> HttpResponse:
    """A new draft: supplier, warehouse, expected delivery, note and its lines (SKU, quantity, price)."""
    warehouses = active_warehouses()
    if request.method == "GET":
        form = PurchaseOrderForm(warehouses=warehouses)
        return _form_page(request, po=None, form=form, lines=line_formset())
    form = PurchaseOrderForm(request.POST, warehouses=warehouses)
    lines, more = _posted_lines(request)
    if more or request.GET.get("more"):
        form.is_valid()
        return _form_page(request, po=None, form=form, lines=lines)
    valid = form.is_valid() & lines.is_valid()  # both, so every error shows at once
    if valid:
        data = form.cleaned_data
        try:
            po = create_purchase_order(
                supplier=data["supplier"],
                warehouse=data["warehouse"],
                lines=lines.order_lines(),
                expected_date=data.get("expected_date"),
                note=data.get("note") or "",
                user=request.user,
                draft=True,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request, _("Draft %(number)s saved. Check it and send it to the supplier.") % {"number": po.number}
            )
            return redirect("inventory:purchase-order-detail", number=po.number)
    messages.error(request, _("Nothing was saved: please correct the marked fields."))
    return _form_page(request, po=None, form=form, lines=lines, status=INVALID_STATUS)


@role_required(*PO_EDIT_ROLES)
@require_http_methods(["GET", "POST"])
def purchase_order_edit(request: HttpRequest, number: str) -> HttpResponse:
    """Change a draft, or an open order nothing has arrived for (the supplier then gets it again)."""
    po = _po_or_404(number)
    warehouses = active_warehouses()
    if not po.is_editable:
        messages.error(
            request,
            _("%(number)s is %(state)s: only a draft or an open order with nothing received can be changed.")
            % {"number": po.number, "state": po.get_state_display()},
        )
        return redirect("inventory:purchase-order-detail", number=po.number)
    if request.method == "GET":
        form = PurchaseOrderForm(
            warehouses=warehouses,
            current_supplier=po.supplier,
            initial={
                "supplier": po.supplier,
                "warehouse": po.warehouse,
                "expected_date": po.expected_date,
                "note": po.note,
            },
        )
        initial = [
            {"sku": line.product.sku, "quantity": line.quantity_ordered, "unit_cost": line.unit_cost}
            for line in po.line_list
        ]
        return _form_page(request, po=po, form=form, lines=line_formset(initial=initial))
    form = PurchaseOrderForm(request.POST, warehouses=warehouses, current_supplier=po.supplier)
    lines, more = _posted_lines(request)
    if more or request.GET.get("more"):
        form.is_valid()
        return _form_page(request, po=po, form=form, lines=lines)
    valid = form.is_valid() & lines.is_valid()
    if valid:
        data = form.cleaned_data
        try:
            update_purchase_order(
                purchase_order=po,
                supplier=data["supplier"],
                warehouse=data["warehouse"],
                lines=lines.order_lines(),
                expected_date=data.get("expected_date"),
                note=data.get("note") or "",
                user=request.user,
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            text = _("%(number)s saved.") % {"number": po.number}
            if po.is_open:
                text += " " + _("Send it again so the supplier has this version.")
            messages.success(request, text)
            return redirect("inventory:purchase-order-detail", number=po.number)
    messages.error(request, _("Nothing was saved: please correct the marked fields."))
    return _form_page(request, po=po, form=form, lines=lines, status=INVALID_STATUS)


# --- send, cancel, receive ----------------------------------------------------------------------


def _refused(request: HttpRequest, po: PurchaseOrder, error: DomainError) -> HttpResponse:
    messages.error(request, error.message)
    po = _po_or_404(po.number)
    return render(request, DETAIL_TEMPLATE, _detail_context(request, po), status=error.http_status)


@role_required(*PO_EDIT_ROLES)
@require_http_methods(["POST"])
def purchase_order_send(request: HttpRequest, number: str) -> HttpResponse:
    """Send the order to its supplier: the PDF and the mail go out through the outbox."""
    po = _po_or_404(number)
    try:
        send_purchase_order(purchase_order=po, user=request.user)
    except DomainError as error:
        return _refused(request, po, error)
    messages.success(
        request,
        _("%(number)s is sent to %(supplier)s (%(email)s).")
        % {"number": po.number, "supplier": po.supplier.name, "email": po.supplier.email},
    )
    return redirect("inventory:purchase-order-detail", number=po.number)


@role_required(*PO_EDIT_ROLES)
@require_http_methods(["POST"])
def purchase_order_cancel(request: HttpRequest, number: str) -> HttpResponse:
    """Nothing more is expected from this order (units already received stay in stock)."""
    po = _po_or_404(number)
    try:
        cancel_purchase_order(purchase_order=po, user=request.user)
    except DomainError as error:
        return _refused(request, po, error)
    messages.success(request, _("%(number)s is cancelled.") % {"number": po.number})
    return redirect("inventory:purchase-order-detail", number=po.number)


@role_required(*PO_VIEW_ROLES)
@require_http_methods(["POST"])
def purchase_order_receive(request: HttpRequest, number: str) -> HttpResponse:
    """Book the units that arrived per line (one bin for all), as the receiving screen does."""
    po = _po_or_404(number)
    if not po.is_open:
        messages.error(
            request,
            _("%(number)s is %(state)s and cannot receive goods.")
            % {"number": po.number, "state": po.get_state_display()},
        )
        return render(request, DETAIL_TEMPLATE, _detail_context(request, po), status=409)
    open_lines = [line for line in po.line_list if line.quantity_open > 0]
    form = ReceiveLinesForm(request.POST, lines=open_lines, warehouse=po.warehouse)
    if form.is_valid():
        bin_location = form.cleaned_data.get("bin_location")
        receipts = form.receipts()
        try:
            receive_purchase_order(
                purchase_order=po,
                lines=[
                    ReceiptLine(line_id=line_id, quantity=quantity, bin_id=bin_location.pk if bin_location else None)
                    for line_id, quantity in receipts
                ],
                user=request.user,
                allow_over_receipt=form.cleaned_data["confirm_over_receipt"],
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                _("Received %(units)d units on %(lines)d lines of %(number)s.")
                % {"units": sum(q for _l, q in receipts), "lines": len(receipts), "number": po.number},
            )
            return redirect("inventory:purchase-order-detail", number=po.number)
    messages.error(request, _("Nothing was received: please correct the marked fields."))
    return render(request, DETAIL_TEMPLATE, _detail_context(request, po, receive_form=form), status=INVALID_STATUS)
