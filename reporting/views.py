"""The managers' dashboard (``/reports/dashboard/``), its CSV files and the drill-down list of
the orders behind each number. Thin: the figures come from ``reporting.selectors``."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from oms.lists import Column, CsvColumn, DateRange, ListDefinition, MoneyTotal, render_list
from oms.roles import Role, has_role, role_required
from oms.spreadsheets import csv_lines, decimal_comma
from oms.templatetags.oms import format_money, format_qty
from reporting import charts
from reporting.forms import AGES, ReportOrderFilterForm
from reporting.kpis import DEFINITIONS
from reporting.selectors.drilldown import orders_for_report
from reporting.selectors.filters import ReportFilters, filter_choices, parse_filters
from reporting.selectors.finance import finance_report
from reporting.selectors.inventory import InventoryReport, StockRow, inventory_report, stock_query
from reporting.selectors.operations import bottleneck_report, lead_time_report
from reporting.selectors.returns import (
    rating_counts,
    return_rates_by_category,
    return_rates_by_channel,
    return_rates_by_product,
    returns_by_reason,
    returns_report,
)
from reporting.selectors.sales import geography, sales_report
from reporting.services.rollups import data_as_of
from reporting.templatetags.reports import format_duration


def drill(filters: ReportFilters, measure: str = "", *, dated: bool = True, **extra: Any) -> str:
    """The drill-down list of the orders behind a number."""
    query = QueryDict(mutable=True)
    query.update(filters.params(dated=dated))
    if measure:
        query["measure"] = measure
    for key, value in extra.items():
        if value:
            query[key] = str(value)
    return f"{reverse('reporting:order-list')}?{query.urlencode()}"


def _dashboard(filters: ReportFilters, *, now: Any) -> dict[str, Any]:
    sales = sales_report(filters)
    lead = lead_time_report(filters, now=now)
    bottlenecks = bottleneck_report(filters, now=now)
    returns = returns_report(filters)
    stock = inventory_report(filters, today=timezone.localdate(now))
    currency = sales.currency
    sales_rows = [{"row": row, "url": _with_dates(filters, "orders", row.start, row.end)} for row in sales.rows]
    return {
        "sales": sales,
        "sales_rows": sales_rows,
        "changes": sales.changes(),
        "lead": lead,
        "bottlenecks": bottlenecks,
        "countries": geography(filters),
        "returns": returns,
        "finance": finance_report(filters, today=timezone.localdate(now)),
        "receivables_url": _receivables_url(filters),
        **_inventory_context(filters, stock),
        "reasons_chart": charts.bar_chart(
            _("Units asked back per reason"),
            [
                (str(row.label), row.units, format_qty(row.units), drill(filters, "returned", reason=row.reason))
                for row in returns.reasons
            ],
        ),
        "stars_chart": charts.bar_chart(
            _("Orders per rating (stars)"),
            [(f"{n} ★", count, format_qty(count), drill(filters, "rated")) for n, count in returns.stars],
        ),
        "age_labels": [label for key, label in AGES if key],
        "currency": currency,
        "revenue_chart": charts.bar_chart(
            _("Gross revenue per period"),
            [
                (
                    row.label,
                    row.figures.gross,
                    format_money(row.figures.gross, currency),
                    _with_dates(filters, "orders", row.start, row.end),
                )
                for row in sales.rows
            ],
        ),
        "orders_chart": charts.bar_chart(
            _("Orders per period"),
            [
                (
                    row.label,
                    row.figures.orders,
                    format_qty(row.figures.orders),
                    _with_dates(filters, "orders", row.start, row.end),
                )
                for row in sales.rows
            ],
        ),
        "lead_chart": charts.bar_chart(
            _("Median placed → shipped per period, in hours"),
            [
                (
                    row.label,
                    None if row.median is None else Decimal(row.median) / 3600,
                    format_duration(row.median),
                    _with_dates(filters, "shipped", row.start, row.end),
                )
                for row in lead.trend
            ],
            tick_format="{:,.1f}",
        ),
        "backlog_chart": charts.bar_chart(
            _("Open orders now per state"),
            [
                (
                    str(row.label),
                    row.total,
                    format_qty(row.total),
                    drill(filters, "backlog", dated=False, state=row.state),
                )
                for row in bottlenecks.backlog
            ],
        ),
    }


def _inventory_context(filters: ReportFilters, stock: InventoryReport) -> dict[str, Any]:
    """The inventory health section: the report, its first rows, its charts and its links."""

    def stock_list(**flags: Any) -> str:
        query = QueryDict(mutable=True)
        query.update(stock_query(filters, **flags))
        return f"{reverse('inventory:stock-list')}?{query.urlencode()}"

    def with_warehouse(name: str) -> str:
        query = QueryDict(mutable=True)
        if filters.warehouse is not None:
            query["warehouse"] = str(filters.warehouse.pk)
        return f"{reverse(name)}?{query.urlencode()}"

    weeks = stock.backtest_weeks
    return {
        "stock": stock,
        "stock_watch": [_stock_item(filters, row) for row in stock.to_watch[:TABLE_ROWS]],
        "slow_movers": [_stock_item(filters, row) for row in stock.slow_movers[:TABLE_ROWS]],
        "forecast_rows": [
            {
                "row": row,
                "product_url": _product_url(row.sku),
                "orders_url": _sku_drill(filters, row.sku, row.warehouse),
            }
            for row in stock.forecasts[:TABLE_ROWS]
        ],
        "purchase_orders": [
            {"po": po, "url": reverse("inventory:purchase-order-detail", args=[po.number])}
            for po in stock.purchase_orders[:TABLE_ROWS]
        ],
        "stock_links": {
            "out": stock_list(out=True),
            "low": stock_list(low=True),
            "all": stock_list(),
            "replenishment": with_warehouse("inventory:replenishment-list"),
            "purchase_orders": with_warehouse("inventory:purchase-order-list"),
        },
        "demand_chart": charts.bar_chart(
            _("Units ordered per period"),
            [
                (
                    row.label,
                    row.units,
                    ngettext("%(n)s unit ordered", "%(n)s units ordered", row.units) % {"n": format_qty(row.units)},
                    _with_dates(filters, "orders", row.start, row.end),
                )
                for row in stock.demand
            ],
        ),
        "forecast_chart": charts.paired_bar_chart(
            _("Held-out weeks: actual demand and its forecast, in units"),
            (_("actual"), _("forecast")),
            [
                (
                    _("week %(n)s") % {"n": i - len(weeks)},
                    actual,
                    format_qty(actual),
                    forecast,
                    format_qty(forecast),
                )
                for i, (actual, forecast) in enumerate(weeks)
            ],
        ),
    }


TABLE_ROWS = 20


def _product_url(sku: str) -> str:
    return reverse("inventory:product-stock", args=[sku])


def _sku_drill(filters: ReportFilters, sku: str, warehouse: str) -> str:
    """The orders of the range behind a product's units in one warehouse."""
    query = QueryDict(mutable=True)
    query.update({**filters.params(), "warehouse": warehouse, "sku": sku, "measure": "orders"})
    return f"{reverse('reporting:order-list')}?{query.urlencode()}"


def _stock_item(filters: ReportFilters, row: StockRow) -> dict[str, Any]:
    return {"row": row, "product_url": _product_url(row.sku), "orders_url": _sku_drill(filters, row.sku, row.warehouse)}


def _receivables_url(filters: ReportFilters) -> str:
    """The receivables list (billing's open items) with the dashboard's channel."""
    query = QueryDict(mutable=True)
    if filters.channel is not None:
        query["channel"] = filters.channel.code
    return f"{reverse('billing:support-receivables')}?{query.urlencode()}"


def _with_dates(filters: ReportFilters, measure: str, start: Any, end: Any) -> str:
    query = QueryDict(mutable=True)
    query.update({**filters.params(), "placed_from": start.isoformat(), "placed_to": end.isoformat()})
    query["measure"] = measure
    return f"{reverse('reporting:order-list')}?{query.urlencode()}"


@role_required(Role.MANAGER)
@require_GET
@vary_on_headers("HX-Request")
def dashboard(request: HttpRequest) -> HttpResponse:
    """Sales, lead time, bottlenecks, geography, returns and satisfaction, inventory health and
    finance for the chosen days and filters; reloads itself every
    ``REPORTING_DASHBOARD_REFRESH_SECONDS`` while open."""
    now = timezone.now()
    form, filters, problems = parse_filters(request.GET, today=timezone.localdate(now))
    context = {
        "form": form,
        "filters": filters,
        "problems": problems,
        "now": now,
        "as_of": data_as_of(),
        "refresh_seconds": settings.REPORTING_DASHBOARD_REFRESH_SECONDS,
        "definitions": {
            **DEFINITIONS,
            "slow_movers": DEFINITIONS["slow_movers"] % {"days": settings.REPORTING_SLOW_MOVER_DAYS},
        },
        "query": filters.query(),
        "drill": _drill_links(filters),
        "csv_tables": [(key, label) for key, (label, _rows) in CSV_TABLES.items()],
        **_dashboard(filters, now=now),
    }
    template = "reporting/dashboard.html"
    if getattr(request, "htmx", False) and request.htmx.target == "report-dashboard":
        template += "#report-dashboard"
    return render(request, template, context)


def _drill_links(filters: ReportFilters) -> dict[str, str]:
    return {
        measure: drill(filters, measure)
        for measure in (
            "orders",
            "cancelled",
            "shipped",
            "late",
            "after_cutoff",
            "short",
            "returned",
            "rated",
            "low_rated",
        )
    } | {
        "at_risk": drill(filters, "at_risk", dated=False),
        "overdue": drill(filters, "overdue", dated=False),
    }


# --- CSV per table -----------------------------------------------------------------------------


def _sales_rows(filters: ReportFilters, now: Any) -> Iterator[list[Any]]:
    yield [_("From"), _("To"), _("Orders"), _("Cancelled"), _("Units"), _("Revenue gross"), _("Revenue net"), _("AOV")]
    for row in sales_report(filters, top=0).rows:
        f = row.figures
        yield [
            row.start.isoformat(),
            row.end.isoformat(),
            f.orders,
            f.cancelled,
            f.units,
            decimal_comma(f.gross),
            decimal_comma(f.net),
            decimal_comma(f.aov) if f.aov is not None else "",
        ]


def _channel_rows(filters: ReportFilters, now: Any) -> Iterator[list[Any]]:
    yield [_("Channel"), _("Orders"), _("Share (%)"), _("Units"), _("Revenue gross"), _("Revenue net")]
    for c in sales_report(filters, top=0).channels:
        yield [
            c.channel.name,
            c.figures.orders,
            decimal_comma(c.share or 0),
            c.figures.units,
            decimal_comma(c.figures.gross),
            decimal_comma(c.figures.net),
        ]


def _product_rows(filters: ReportFilters, now: Any) -> Iterator[list[Any]]:
    from reporting.selectors.sales import top_products

    yield [_("SKU"), _("Product"), _("Units"), _("Revenue")]
    for p in top_products(filters, limit=100):
        yield [p.sku, p.name, p.units, decimal_comma(p.revenue)]


def _stage_rows(filters: ReportFilters, now: Any) -> Iterator[list[Any]]:
    yield [_("Stage"), _("Median (s)"), _("90th percentile (s)"), _("Orders")]
    for s in lead_time_report(filters, now=now).stages:
        yield [s.label, _seconds(s.median), _seconds(s.p90), s.count]


def _state_rows(filters: ReportFilters, now: Any) -> Iterator[list[Any]]:
    yield [_("State"), _("Median (s)"), _("90th percentile (s)"), _("Times entered")]
    for s in bottleneck_report(filters, now=now).states:
        yield [s.label, _seconds(s.median), _seconds(s.p90), s.count]


def _backlog_rows(filters: ReportFilters, now: Any) -> Iterator[list[Any]]:
    yield [_("State"), *[str(label) for key, label in AGES if key], _("Total")]
    for row in bottleneck_report(filters, now=now).backlog:
        yield [row.label, *[n for _key, n in row.buckets], row.total]


def _throughput_rows(filters: ReportFilters, now: Any) -> Iterator[list[Any]]:
    yield [_("Day"), _("Orders picked"), _("Orders shipped")]
    for row in bottleneck_report(filters, now=now).throughput:
        yield [row.day.isoformat(), row.picked, row.shipped]


def _country_rows(filters: ReportFilters, now: Any) -> Iterator[list[Any]]:
    yield [_("Country"), _("Orders"), _("Revenue gross"), _("Median placed → shipped (s)"), _("Return rate (%)")]
    for row in geography(filters):
        rate = row.return_rate
        yield [
            row.country,
            row.figures.orders,
            decimal_comma(row.figures.gross),
            _seconds(row.median_lead_seconds),
            decimal_comma(rate) if rate is not None else "",
        ]


def _rate_rows(rows: Iterable[Any], first: Any) -> Iterator[list[Any]]:
    yield [first, _("Units shipped"), _("Units returned"), _("Return rate (%)")]
    for row in rows:
        yield [row.label, row.shipped, row.returned, decimal_comma(row.rate) if row.rate is not None else ""]


def _return_product_rows(filters: ReportFilters, now: Any) -> Iterator[list[Any]]:
    return _rate_rows(return_rates_by_product(filters, limit=None), _("Product"))


def _return_category_rows(filters: ReportFilters, now: Any) -> Iterator[list[Any]]:
    return _rate_rows(return_rates_by_category(filters), _("Category"))


def _return_channel_rows(filters: ReportFilters, now: Any) -> Iterator[list[Any]]:
    return _rate_rows(return_rates_by_channel(filters), _("Channel"))


def _return_reason_rows(filters: ReportFilters, now: Any) -> Iterator[list[Any]]:
    yield [_("Reason"), _("Returns"), _("Units asked back"), _("Share (%)"), _("Refunded")]
    for row in returns_by_reason(filters):
        yield [row.label, row.returns, row.units, decimal_comma(row.share or 0), decimal_comma(row.refunded)]


def _rating_rows(filters: ReportFilters, now: Any) -> Iterator[list[Any]]:
    yield [_("Stars"), _("Orders")]
    for stars, count in rating_counts(filters):
        yield [stars, count]


def _finance_rows(filters: ReportFilters, now: Any) -> Iterator[list[Any]]:
    yield [_("From"), _("To"), _("Invoices"), _("Invoiced"), _("Credit notes"), _("Credited"), _("Paid")]
    for row in finance_report(filters, today=timezone.localdate(now)).rows:
        f = row.figures
        yield [
            row.start.isoformat(),
            row.end.isoformat(),
            f.invoices,
            decimal_comma(f.invoiced),
            f.credit_notes,
            decimal_comma(f.credited),
            decimal_comma(f.paid),
        ]


def _finance_channel_rows(filters: ReportFilters, now: Any) -> Iterator[list[Any]]:
    yield [_("Channel"), _("Invoices"), _("Invoiced"), _("Credit notes"), _("Credited"), _("Paid")]
    for c in finance_report(filters, today=timezone.localdate(now)).channels:
        f = c.figures
        yield [
            c.channel.name,
            f.invoices,
            decimal_comma(f.invoiced),
            f.credit_notes,
            decimal_comma(f.credited),
            decimal_comma(f.paid),
        ]


def _ageing_rows(filters: ReportFilters, now: Any) -> Iterator[list[Any]]:
    yield [_("Age"), _("Invoices"), _("Still due")]
    for a in finance_report(filters, today=timezone.localdate(now)).ageing:
        yield [a.label, a.invoices, decimal_comma(a.amount)]


def _cover(value: Decimal | None) -> str:
    return "" if value is None else decimal_comma(value)


def _stock_csv(rows: Iterable[StockRow]) -> Iterator[list[Any]]:
    yield [
        _("SKU"),
        _("Product"),
        _("Warehouse"),
        _("Status"),
        _("On hand"),
        _("Available"),
        _("Low at"),
        _("Units ordered"),
        _("Units shipped"),
        _("Units per day"),
        _("Days of cover"),
        _("Days on hand"),
    ]
    labels = {"out": _("Out of stock"), "low": _("Low stock"), "ok": _("In stock")}
    for r in rows:
        yield [
            r.sku,
            r.name,
            r.warehouse,
            labels[r.status],
            r.on_hand,
            r.available,
            r.threshold,
            r.units,
            r.units_shipped,
            decimal_comma(r.daily.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")),
            _cover(r.cover_days),
            _cover(r.on_hand_days),
        ]


def _stock_rows(filters: ReportFilters, now: Any) -> Iterator[list[Any]]:
    return _stock_csv(inventory_report(filters, today=timezone.localdate(now)).rows)


def _stock_watch_rows(filters: ReportFilters, now: Any) -> Iterator[list[Any]]:
    return _stock_csv(inventory_report(filters, today=timezone.localdate(now)).to_watch)


def _slow_mover_rows(filters: ReportFilters, now: Any) -> Iterator[list[Any]]:
    return _stock_csv(inventory_report(filters, today=timezone.localdate(now)).slow_movers)


def _forecast_rows(filters: ReportFilters, now: Any) -> Iterator[list[Any]]:
    yield [
        _("SKU"),
        _("Product"),
        _("Warehouse"),
        _("Forecast per day"),
        _("Actual per day"),
        _("Held-out weeks: actual"),
        _("Held-out weeks: forecast"),
        _("Held-out weeks: absolute error"),
        _("Error (WAPE, %)"),
        _("Naive error (WAPE, %)"),
    ]
    for f in inventory_report(filters, today=timezone.localdate(now)).forecasts:
        yield [
            f.sku,
            f.name,
            f.warehouse,
            decimal_comma(f.forecast_daily),
            decimal_comma(f.actual_daily),
            f.backtest_actual,
            f.backtest_forecast,
            f.backtest_error,
            _cover(f.wape_model),
            _cover(f.wape_naive),
        ]


def _purchase_order_rows(filters: ReportFilters, now: Any) -> Iterator[list[Any]]:
    yield [_("Purchase order"), _("Supplier"), _("Warehouse"), _("Expected"), _("Units open"), _("Overdue")]
    for po in inventory_report(filters, today=timezone.localdate(now)).purchase_orders:
        yield [
            po.number,
            po.supplier,
            po.warehouse,
            po.expected_date.isoformat() if po.expected_date else "",
            po.units_open,
            _("yes") if po.overdue else _("no"),
        ]


def _seconds(value: float | None) -> str:
    return "" if value is None else str(int(Decimal(value).quantize(Decimal(1), rounding="ROUND_HALF_UP")))


CSV_TABLES: dict[str, tuple[Any, Callable[[ReportFilters, Any], Iterable[list[Any]]]]] = {
    "sales": (gettext_lazy("Sales per period"), _sales_rows),
    "channels": (gettext_lazy("Channel mix"), _channel_rows),
    "products": (gettext_lazy("Top products"), _product_rows),
    "lead-times": (gettext_lazy("Lead time per stage"), _stage_rows),
    "states": (gettext_lazy("Time in state"), _state_rows),
    "backlog": (gettext_lazy("Backlog by state and age"), _backlog_rows),
    "throughput": (gettext_lazy("Throughput per day"), _throughput_rows),
    "countries": (gettext_lazy("Geography"), _country_rows),
    "return-products": (gettext_lazy("Return rate per product"), _return_product_rows),
    "return-categories": (gettext_lazy("Return rate per category"), _return_category_rows),
    "return-channels": (gettext_lazy("Return rate per channel"), _return_channel_rows),
    "return-reasons": (gettext_lazy("Returns per reason"), _return_reason_rows),
    "ratings": (gettext_lazy("Ratings"), _rating_rows),
    "finance": (gettext_lazy("Finance per period"), _finance_rows),
    "finance-channels": (gettext_lazy("Finance per channel"), _finance_channel_rows),
    "ageing": (gettext_lazy("Open receivables by age"), _ageing_rows),
    "stock": (gettext_lazy("Stock and demand per product and warehouse"), _stock_rows),
    "stock-watch": (gettext_lazy("Out of stock and low stock"), _stock_watch_rows),
    "slow-movers": (gettext_lazy("Slow movers"), _slow_mover_rows),
    "forecasts": (gettext_lazy("Forecast against actual demand"), _forecast_rows),
    "purchase-orders": (gettext_lazy("Open purchase orders"), _purchase_order_rows),
}


@role_required(Role.MANAGER)
@require_GET
def dashboard_csv(request: HttpRequest, table: str) -> HttpResponse:
    """One table of the dashboard as CSV (German Excel), with the dashboard's filters; streamed."""
    if table not in CSV_TABLES:
        raise Http404
    now = timezone.now()
    _form, filters, _problems = parse_filters(request.GET, today=timezone.localdate(now))
    rows = iter(CSV_TABLES[table][1](filters, now))
    header = next(rows)
    response = StreamingHttpResponse(csv_lines(header, rows), content_type="text/csv; charset=utf-8")
    stamp = f"{filters.start.isoformat()}_{filters.end.isoformat()}"
    response["Content-Disposition"] = f'attachment; filename="report-{table}-{stamp}.csv"'
    return response


# --- the orders behind a number ------------------------------------------------------------------


REPORT_ORDER_LIST = ListDefinition(
    name="report-orders",
    element_id="report-order-table",
    template="reporting/order_list.html",
    url_name="reporting:order-list",
    url_base="reporting:order",
    roles=(Role.MANAGER,),
    columns=[
        Column("number", gettext_lazy("Order"), sort="number"),
        Column("placed", gettext_lazy("Placed"), sort="placed_at", numeric=True),
        Column("channel", gettext_lazy("Channel")),
        Column("country", gettext_lazy("Country")),
        Column("state", gettext_lazy("State")),
        Column("promised", gettext_lazy("Promised ship day")),
        Column("shipped", gettext_lazy("Shipped")),
        Column("total", gettext_lazy("Total"), sort="total", numeric=True),
    ],
    default_sort="-placed",
    filter_form=ReportOrderFilterForm,
    form_kwargs=filter_choices,
    source=orders_for_report,
    date_ranges=[DateRange("placed", "placed_at", gettext_lazy("Placed"))],
    totals=[MoneyTotal(gettext_lazy("Total"), "total")],
    csv_columns=[
        CsvColumn(gettext_lazy("Order"), lambda o: o.number),
        CsvColumn(gettext_lazy("Placed"), lambda o: timezone.localtime(o.placed_at).strftime("%d.%m.%Y %H:%M:%S")),
        CsvColumn(gettext_lazy("Channel"), lambda o: o.channel.name),
        CsvColumn(gettext_lazy("Country"), lambda o: o.shipping_country),
        CsvColumn(gettext_lazy("State"), lambda o: o.get_state_display()),
        CsvColumn(
            gettext_lazy("Promised ship day"),
            lambda o: o.promised_ship_date.strftime("%d.%m.%Y") if o.promised_ship_date else "",
        ),
        CsvColumn(
            gettext_lazy("Shipped"),
            lambda o: timezone.localtime(o.shipped_at).strftime("%d.%m.%Y %H:%M:%S") if o.shipped_at else "",
        ),
        CsvColumn(gettext_lazy("Total"), lambda o: decimal_comma(o.total)),
        CsvColumn(gettext_lazy("Currency"), lambda o: o.currency),
    ],
    csv_name="report-orders",
    related=("channel",),
    row_label=lambda order: order.number,
)


@role_required(Role.MANAGER)
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    """The orders behind a number of the dashboard, with its filters; the order page opens for
    those who may use the support desk."""
    return render_list(request, REPORT_ORDER_LIST, extra={"can_open": has_role(request.user, Role.SUPPORT)})
