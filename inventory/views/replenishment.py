"""Manager screens for replenishment: the suggestion list and one forecast with its chart and rule form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from inventory.models import DemandForecast
from inventory.purchasing_forms import SuggestionChoiceForm
from inventory.replenishment_forms import ReplenishmentRuleForm, SuggestionFilterForm
from inventory.replenishment_selectors import (
    build_chart,
    replenishment_suggestions,
    rule_for,
    suggestion,
    warehouses_with_forecasts,
    weekly_history,
)
from inventory.services.purchasing import create_purchase_orders_from_suggestions
from inventory.services.replenishment import InvalidRuleError, accept_suggestion, set_replenishment_rule
from inventory.views import render_fragments
from oms.exceptions import DomainError
from oms.roles import Role, role_required

PER_PAGE = 25
LIST_TEMPLATE = "inventory/replenishment_list.html"
DETAIL_TEMPLATE = "inventory/replenishment_detail.html"


@role_required(Role.MANAGER)
@require_http_methods(["GET"])
def replenishment_list(request: HttpRequest) -> HttpResponse:
    """Suggestions: products at or below their reorder point first, with cover and forecast accuracy."""
    return _list_page(request, request.GET)


def _list_page(request: HttpRequest, query: QueryDict, *, status: int = 200) -> HttpResponse:
    warehouses = warehouses_with_forecasts()
    form = SuggestionFilterForm(query or None, warehouses=warehouses)
    data = form.cleaned_data if form.is_valid() else {}
    warehouse = data.get("warehouse")
    rows = replenishment_suggestions(warehouse_id=warehouse.pk if warehouse else None, q=data.get("q") or "")
    page = Paginator(rows, PER_PAGE).get_page(query.get("page"))
    links = query.copy()
    links.pop("page", None)
    context = {"form": form, "page": page, "query": links.urlencode(), "list_query": query.urlencode()}
    template = LIST_TEMPLATE
    if request.htmx and request.htmx.target == "replenishment-table":
        template += "#replenishment-table"
    return render(request, template, context, status=status)


def _suggestion_or_404(pk: int) -> DemandForecast:
    forecast = suggestion(pk=pk)
    if forecast is None:
        raise Http404(_("There is no forecast with this number."))
    return forecast


def _rule_form(forecast: DemandForecast) -> ReplenishmentRuleForm:
    rule = rule_for(forecast)
    initial = {
        "reorder_point": rule.reorder_point if rule else forecast.suggested_reorder_point,
        "target_level": rule.target_level if rule else forecast.suggested_target,
        "service_level": rule.service_level if rule else forecast.service_level,
    }
    return ReplenishmentRuleForm(initial=initial)


def _detail_context(forecast: DemandForecast, *, form: ReplenishmentRuleForm | None = None) -> dict[str, Any]:
    history = weekly_history(
        product_id=forecast.product_id, warehouse_id=forecast.warehouse_id, end=forecast.history_end
    )
    chart = build_chart(
        history=history,
        forecast=forecast.weekly_forecast,
        backtest_model=(forecast.backtest or {}).get("model", []),
        history_end=forecast.history_end,
    )
    return {
        "forecast": forecast,
        "rule": rule_for(forecast),
        "form": form or _rule_form(forecast),
        "chart": chart,
        "forecast_total": round(sum(forecast.weekly_forecast)),
    }


@role_required(Role.MANAGER)
@require_http_methods(["GET", "POST"])
def replenishment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Forecast chart, backtest and levels of one product in one warehouse; POST sets the rule
    (by hand, or ``action=accept`` takes the suggestion). htmx gets the rule panel back, 422 on errors."""
    forecast = _suggestion_or_404(pk)
    if request.method == "GET":
        return render(request, DETAIL_TEMPLATE, _detail_context(forecast))

    form: ReplenishmentRuleForm | None = None
    if request.POST.get("action") == "accept":
        accept_suggestion(forecast=forecast, user=request.user)
        messages.success(request, _("The suggestion is now the rule for %(sku)s.") % {"sku": forecast.product.sku})
    else:
        form = ReplenishmentRuleForm(request.POST)
        if form.is_valid():
            try:
                set_replenishment_rule(
                    product_id=forecast.product_id,
                    warehouse_id=forecast.warehouse_id,
                    reorder_point=form.cleaned_data["reorder_point"],
                    target_level=form.cleaned_data["target_level"],
                    service_level=form.cleaned_data["service_level"],
                    user=request.user,
                )
            except InvalidRuleError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        if not form.is_valid():
            context = _detail_context(forecast, form=form)
            if request.htmx:
                return render_fragments(request, [(f"{DETAIL_TEMPLATE}#rule-panel", context)], status=422)
            return render(request, DETAIL_TEMPLATE, context, status=422)
        messages.success(request, _("Rule saved for %(sku)s.") % {"sku": forecast.product.sku})

    if not request.htmx:
        return redirect("inventory:replenishment-detail", pk=forecast.pk)
    # Re-read: the rule changes the order quantity, a new service level the whole suggestion.
    context = _detail_context(_suggestion_or_404(pk))
    return render_fragments(request, [(f"{DETAIL_TEMPLATE}#rule-panel", context)])


@role_required(Role.MANAGER)
@require_http_methods(["POST"])
def replenishment_order(request: HttpRequest) -> HttpResponse:
    """Turn the ticked suggestions into draft purchase orders, one per supplier and warehouse, in
    one step; then the list of drafts to check and send (or the suggestions again with why not)."""
    form = SuggestionChoiceForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("ids", []):
            messages.error(request, error)
        return _list_page(request, _return_query(request), status=422)
    try:
        result = create_purchase_orders_from_suggestions(forecast_ids=form.cleaned_data["ids"], user=request.user)
    except DomainError as error:
        messages.error(request, _skipped_text(error.message, (error.data or {}).get("skipped", [])))
        return _list_page(request, _return_query(request), status=422)
    numbers = ", ".join(po.number for po in result.purchase_orders)
    messages.success(
        request,
        ngettext(
            "%(count)d draft purchase order created: %(numbers)s. Check it and send it to the supplier.",
            "%(count)d draft purchase orders created: %(numbers)s. Check them and send them to the suppliers.",
            len(result.purchase_orders),
        )
        % {"count": len(result.purchase_orders), "numbers": numbers},
    )
    if result.skipped:
        messages.warning(request, _skipped_text(_("Not ordered:"), result.skipped))
    return redirect(f"{reverse('inventory:purchase-order-list')}?{urlencode({'state': 'draft'})}")


def _skipped_text(lead: str, skipped: list[tuple[str, str]]) -> str:
    if not skipped:
        return lead
    shown = "; ".join(f"{sku}: {reason}" for sku, reason in skipped[:10])
    more = len(skipped) - 10
    return f"{lead} {shown}" + (" " + _("(and %(more)d more)") % {"more": more} if more > 0 else "")


def _return_query(request: HttpRequest) -> QueryDict:
    """The suggestion list's filters the form was posted from (only its own parameters)."""
    posted = QueryDict(request.POST.get("list_query", "")[:2000])
    query = QueryDict(mutable=True)
    for key in ("q", "warehouse", "page"):
        if posted.get(key):
            query[key] = posted[key][:100]
    return query
