"""The support order list: search, filters, sort, count and totals, CSV export, saved views, and the
bulk actions agents take on many orders (hold, release from hold, cancel with one reason, print).

Declared once with ``oms.lists``; each bulk action calls the same service as the order page's
button, once per order and each in its own transaction."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from oms.lists import BulkAction, Column, CsvColumn, DateRange, ListDefinition, MoneyTotal, render_list
from oms.roles import Role, role_required
from oms.spreadsheets import decimal_comma
from orders import forms
from orders.models import OrderLine
from orders.selectors.channels import channel_choices
from orders.selectors.order_search import ORDER_ROW_RELATED, PAGE_SIZE, order_state_choices, orders_for_list
from orders.services import cancellation, lifecycle


def _actor(user: Any) -> str:
    """How the timeline names the agent (as the order page's actions do)."""
    return f"support:{user.get_username()}"


def _hold(order: Any, *, user: Any, data: dict[str, Any]) -> None:
    lifecycle.hold_order(order=order, reason=data["reason"], user=user, actor_label=_actor(user))


def _release(order: Any, *, user: Any, data: dict[str, Any]) -> None:
    lifecycle.unhold_order(order=order, reason=data.get("reason") or "", user=user, actor_label=_actor(user))


def _cancel(order: Any, *, user: Any, data: dict[str, Any]) -> None:
    cancellation.cancel_order(order=order, reason=data["reason"], user=user, actor_label=_actor(user))


def _print_orders(request: HttpRequest, orders: QuerySet) -> HttpResponse:
    """A printable sheet per chosen order: address, lines and money."""
    lines = OrderLine.objects.select_related("product").order_by("pk")
    orders = orders.select_related("customer", "channel").prefetch_related(Prefetch("lines", queryset=lines))
    return render(request, "orders/order_print.html", {"orders": list(orders)})


ORDER_LIST = ListDefinition(
    name="orders",
    element_id="order-table",
    template="orders/order_list.html",
    url_name="orders:support-order-list",
    url_base="orders:support-order",
    roles=(Role.SUPPORT,),
    columns=[
        Column("number", _("Order"), sort="number"),
        Column("date", _("Date"), sort="created_at", numeric=True),
        Column("customer", _("Customer")),
        Column("ship_to", _("Ship to")),
        Column("channel", _("Channel")),
        Column("state", _("State")),
        Column("total", _("Total"), sort="total", numeric=True),
    ],
    default_sort="-date",
    filter_form=forms.OrderSearchForm,
    form_kwargs=lambda: {"states": order_state_choices(), "channels": channel_choices()},
    source=orders_for_list,
    date_ranges=[DateRange("placed", "created_at", _("Placed"))],
    totals=[MoneyTotal(_("Total"), "total")],
    csv_columns=[
        CsvColumn(_("Order"), lambda o: o.number),
        CsvColumn(_("External id"), lambda o: o.external_id),
        CsvColumn(_("Placed"), lambda o: timezone.localtime(o.created_at).strftime("%d.%m.%Y %H:%M")),
        CsvColumn(_("Channel"), lambda o: o.channel.name),
        CsvColumn(_("State"), lambda o: o.get_state_display()),
        CsvColumn(_("Customer"), lambda o: o.customer.name),
        CsvColumn(_("E-mail"), lambda o: o.email or o.customer.email),
        CsvColumn(_("Ship to"), lambda o: o.shipping_name),
        CsvColumn(_("Postcode"), lambda o: o.shipping_postcode),
        CsvColumn(_("City"), lambda o: o.shipping_city),
        CsvColumn(_("Country"), lambda o: o.shipping_country),
        CsvColumn(_("Total"), lambda o: decimal_comma(o.total)),
        CsvColumn(_("Currency"), lambda o: o.currency),
    ],
    csv_name="orders",
    bulk_actions=[
        BulkAction("hold", _("Hold"), run=_hold, form=forms.ReasonForm, done=_("%(count)d orders put on hold.")),
        BulkAction(
            "unhold",
            _("Release from hold"),
            run=_release,
            form=forms.OptionalReasonForm,
            done=_("%(count)d orders released from hold."),
        ),
        BulkAction(
            "cancel",
            _("Cancel orders"),
            run=_cancel,
            form=forms.ReasonForm,
            done=_("%(count)d orders cancelled."),
            confirm=_("Cancel every chosen order? This cannot be undone."),
        ),
        BulkAction("print", _("Print"), page=_print_orders),
    ],
    related=ORDER_ROW_RELATED,
    page_size=PAGE_SIZE,
    row_label=lambda order: order.number,
)


@role_required(Role.SUPPORT)
@require_GET
def order_list(request: HttpRequest) -> HttpResponse:
    """The search: exact matches of an identifier, else orders containing every word; filters,
    sort, count and totals, keyset pages (``orders.selectors.order_search``)."""
    return render_list(request, ORDER_LIST)
