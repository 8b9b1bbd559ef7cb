"""Warehouse stock pages: the overview of all SKUs, one product's stock, and the forms that change it
(adjustment, transfer, cycle count). Every change goes through ``inventory.services``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_htmx.http import trigger_client_event

from inventory.forms import (
    AdjustmentForm,
    CountForm,
    LedgerFilterForm,
    StockFilterForm,
    TransferForm,
    add_domain_error,
)
from inventory.models import Product, Warehouse
from inventory.screen_selectors import (
    LedgerFilters,
    StockFilters,
    active_warehouses,
    count_sheet,
    product_ledger,
    product_stock,
    stock_overview,
)
from inventory.services.stock import adjust_stock, count_stock, transfer_stock
from inventory.views import render_fragments
from oms import panels, parsing
from oms.htmx import run_service_and_answer
from oms.lists import BulkAction, Column, CsvColumn, ListDefinition, QuantityTotal, render_list
from oms.paging import keyset_page_for_query
from oms.roles import Role, role_required

STOCK_VIEW_ROLES = (Role.WAREHOUSE, Role.SUPPORT, Role.MANAGER)
LEDGER_PER_PAGE = 25


def _stock_rows(*, q: str, warehouse: Warehouse | None, low: bool, out: bool) -> Any:
    return stock_overview(filters=StockFilters(q=q or "", warehouse=warehouse, low=bool(low), out=bool(out)))


def _count_sheet(request: HttpRequest, products: Any) -> HttpResponse:
    """A printable sheet to count the chosen products: per warehouse and bin, a blank to write in
    (a blind count: the sheet does not say how many the system expects)."""
    return render(request, "inventory/count_sheet.html", {"sheet": count_sheet(product_ids=[p.pk for p in products])})


STOCK_LIST = ListDefinition(
    name="stock",
    element_id="stock-table",
    template="inventory/stock_list.html",
    url_name="inventory:stock-list",
    url_base="inventory:stock",
    roles=STOCK_VIEW_ROLES,
    columns=[
        Column("sku", gettext_lazy("SKU"), sort="sku"),
        Column("name", gettext_lazy("Name"), sort="name"),
        Column("gtin", gettext_lazy("GTIN")),
        Column("on_hand", gettext_lazy("On hand"), sort="on_hand_total", numeric=True),
        Column("reserved", gettext_lazy("Reserved"), numeric=True),
        Column("blocked", gettext_lazy("Blocked"), numeric=True),
        Column("available", gettext_lazy("Available"), sort="available_total", numeric=True),
        Column("status", gettext_lazy("Status")),
    ],
    default_sort="sku",
    filter_form=StockFilterForm,
    form_kwargs=lambda: {"warehouses": active_warehouses()},
    source=_stock_rows,
    totals=[
        QuantityTotal(gettext_lazy("On hand"), "on_hand_total"),
        QuantityTotal(gettext_lazy("Reserved"), "reserved_total"),
        QuantityTotal(gettext_lazy("Available"), "available_total"),
    ],
    csv_columns=[
        CsvColumn(gettext_lazy("SKU"), lambda p: p.sku),
        CsvColumn(gettext_lazy("Name"), lambda p: p.name),
        CsvColumn(gettext_lazy("GTIN"), lambda p: p.gtin or ""),
        CsvColumn(gettext_lazy("On hand"), lambda p: p.on_hand_total),
        CsvColumn(gettext_lazy("Reserved"), lambda p: p.reserved_total),
        CsvColumn(gettext_lazy("Blocked"), lambda p: p.blocked_total),
        CsvColumn(gettext_lazy("Available"), lambda p: p.available_total),
    ],
    csv_name="stock",
    bulk_actions=[BulkAction("count-sheet", gettext_lazy("Count sheet"), page=_count_sheet)],
    row_label=lambda product: product.sku,
)


@role_required(*STOCK_VIEW_ROLES)
@require_http_methods(["GET"])
def stock_list(request: HttpRequest) -> HttpResponse:
    """All products with on hand / reserved / available, searchable, filterable and sortable, on
    keyset pages (by SKU unless sorted otherwise); the count, totals, export and count sheets."""
    return render_list(request, STOCK_LIST)


def _product_or_404(sku: str) -> Product:
    # PostgreSQL refuses NUL in text: such a SKU cannot exist, so it is simply not found.
    # With its category, which the page's heading shows (one query less).
    product = None if parsing.has_nul(sku) else Product.objects.select_related("category").filter(sku=sku).first()
    if product is None:
        raise Http404(_("No product has the SKU “%(sku)s”.") % {"sku": sku})
    return product


def _ledger_context(request: HttpRequest, product: Product, warehouses: list[Warehouse]) -> dict[str, Any]:
    form = LedgerFilterForm(request.GET or None, warehouses=warehouses)
    data = form.cleaned_data if form.is_valid() else {}
    filters = LedgerFilters(
        kind=data.get("kind") or "",
        warehouse=data.get("warehouse"),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )
    ledger = keyset_page_for_query(
        product_ledger(product=product, filters=filters), request.GET, order_by=("-pk",), size=LEDGER_PER_PAGE
    )
    return {"ledger_form": form, "ledger": ledger}


def _product_context(request: HttpRequest, product: Product, *, forms: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything the product stock page renders; ``forms`` replaces the blank action forms (errors)."""
    warehouses = active_warehouses()
    stock = product_stock(product=product)
    default_warehouse = stock.levels[0].warehouse if stock.levels else (warehouses[0] if warehouses else None)
    initial = {"warehouse": default_warehouse, "from_warehouse": default_warehouse, "to_warehouse": default_warehouse}
    context = {
        "product": product,
        "stock": stock,
        "warehouses": warehouses,
        "adjust_form": AdjustmentForm(warehouses=warehouses, initial=initial),
        "transfer_form": TransferForm(warehouses=warehouses, initial=initial),
        "count_form": CountForm(warehouses=warehouses, initial=initial),
        "panels": panels.render_slot("product-stock", request=request, product=product),
        **_ledger_context(request, product, warehouses),
    }
    context.update(forms or {})
    return context


@role_required(*STOCK_VIEW_ROLES)
@require_http_methods(["GET"])
def product_stock_page(request: HttpRequest, sku: str) -> HttpResponse:
    """Levels per warehouse and bin, reservations (panels), inbound POs, and the movement ledger."""
    product = _product_or_404(sku)
    if request.htmx and request.htmx.target == "stock-ledger":
        context = {"product": product, **_ledger_context(request, product, active_warehouses())}
        return render(request, "inventory/product_stock.html#stock-ledger", context)
    if request.htmx and request.htmx.target == "stock-levels":
        return render(
            request,
            "inventory/product_stock.html#stock-levels",
            {"product": product, "stock": product_stock(product=product)},
        )
    return render(request, "inventory/product_stock.html", _product_context(request, product))


# --- stock changes ------------------------------------------------------------------------------


def _stock_change(
    request: HttpRequest,
    sku: str,
    *,
    form_class: type,
    form_name: str,
    apply: Any,
) -> HttpResponse:
    """Shared flow of the three stock forms: validate, call one service, answer.

    htmx: the fresh form (or the form with errors, 422), the levels table out of band, the
    messages, and a ``stock-changed`` event that makes the ledger reload. Without JS: redirect
    back to the product page (or the page again with the errors, 422).
    """
    product = _product_or_404(sku)
    warehouses = active_warehouses()
    form = form_class(request.POST, warehouses=warehouses)
    form_context = form_name.replace("-", "_")

    def refused(status: int) -> HttpResponse:
        if request.htmx:
            context = {"product": product, form_context: form}
            return render(request, f"inventory/product_stock.html#{form_name}", context, status=status)
        messages.error(request, _("The stock was not changed: please correct the marked fields."))
        context = _product_context(request, product, forms={form_context: form})
        return render(request, "inventory/product_stock.html", context, status=status)

    def changed(_message: str) -> HttpResponse:
        if not request.htmx:
            return redirect("inventory:product-stock", sku=product.sku)
        fresh = form_class(warehouses=warehouses, initial=_sticky_initial(form))
        response = render_fragments(
            request,
            [
                (f"inventory/product_stock.html#{form_name}", {"product": product, form_context: fresh}),
                (
                    "inventory/product_stock.html#stock-levels",
                    {"product": product, "stock": product_stock(product=product), "oob": True},
                ),
            ],
        )
        return trigger_client_event(response, "stock-changed")

    return run_service_and_answer(
        request,
        lambda: apply(product, form.cleaned_data),
        form=form,
        show_refusal=lambda error: add_domain_error(form, error),
        refusal_in_form=True,
        answer=refused,
        success=lambda message: message,
        done=changed,
    )


def _sticky_initial(form: Any) -> dict[str, Any]:
    """Keep the chosen warehouses in a fresh form: the next change is usually in the same place."""
    return {
        name: form.cleaned_data.get(name)
        for name in ("warehouse", "from_warehouse", "to_warehouse")
        if name in form.cleaned_data
    }


@role_required(Role.WAREHOUSE)
@require_http_methods(["POST"])
def stock_adjust(request: HttpRequest, sku: str) -> HttpResponse:
    def apply(product: Product, data: dict[str, Any]) -> str:
        movement = adjust_stock(
            product=product,
            warehouse=data["warehouse"],
            quantity=data["quantity"],
            reason=data["reason"],
            bin=data.get("bin_location"),
            user=request.user,
        )
        return _("%(sku)s in %(warehouse)s adjusted by %(quantity)+d: now %(on_hand)d on hand.") % {
            "sku": product.sku,
            "warehouse": data["warehouse"].code,
            "quantity": data["quantity"],
            "on_hand": movement.on_hand_after,
        }

    return _stock_change(request, sku, form_class=AdjustmentForm, form_name="adjust-form", apply=apply)


@role_required(Role.WAREHOUSE)
@require_http_methods(["POST"])
def stock_transfer(request: HttpRequest, sku: str) -> HttpResponse:
    def apply(product: Product, data: dict[str, Any]) -> str:
        transfer_stock(
            product=product,
            from_warehouse=data["from_warehouse"],
            to_warehouse=data["to_warehouse"],
            quantity=data["quantity"],
            from_bin=data.get("from_bin_location"),
            to_bin=data.get("to_bin_location"),
            user=request.user,
        )
        return _("%(quantity)d x %(sku)s moved from %(source)s to %(destination)s.") % {
            "quantity": data["quantity"],
            "sku": product.sku,
            "source": _location(data["from_warehouse"], data.get("from_bin_location")),
            "destination": _location(data["to_warehouse"], data.get("to_bin_location")),
        }

    return _stock_change(request, sku, form_class=TransferForm, form_name="transfer-form", apply=apply)


@role_required(Role.WAREHOUSE)
@require_http_methods(["POST"])
def stock_count(request: HttpRequest, sku: str) -> HttpResponse:
    def apply(product: Product, data: dict[str, Any]) -> str:
        movement = count_stock(
            product=product,
            warehouse=data["warehouse"],
            counted=data["counted_quantity"],
            bin=data.get("bin_location"),
            reason=data.get("reason") or "",
            user=request.user,
        )
        location = _location(data["warehouse"], data.get("bin_location"))
        if movement is None:
            return _("Count of %(sku)s in %(location)s matches the stock: nothing changed.") % {
                "sku": product.sku,
                "location": location,
            }
        return _("Count of %(sku)s in %(location)s recorded (%(delta)+d): now %(on_hand)d on hand.") % {
            "sku": product.sku,
            "location": location,
            "delta": movement.quantity,
            "on_hand": movement.on_hand_after,
        }

    return _stock_change(request, sku, form_class=CountForm, form_name="count-form", apply=apply)


def _location(warehouse: Warehouse, bin_location: Any) -> str:
    return f"{warehouse.code}/{bin_location.code}" if bin_location else warehouse.code
