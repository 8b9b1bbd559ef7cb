"""Table rows that lists repeat many times, rendered in Python.

A row of the support order list or of the reservations on the product stock page reads about
fifteen values through filters (dates, money, quantities, a badge, a link). Through the template
engine that is about half a millisecond per row; these tags write the same HTML in a tenth of it.
Each tag's template comment names the markup it replaces; ``tests/orders`` compares the output
with the template's.
"""

from __future__ import annotations

import re
from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from oms.templatetags.oms import format_money, format_qty, money, number_separators, qty, short_datetime
from orders.templatetags.order_states import state_badge

register = template.Library()

_PLAIN_NUMBER = re.compile(r"^[A-Za-z0-9_.~-]+$")  # nothing for reverse() to quote


def order_url(context: template.Context, number: str) -> str:
    """``reverse("orders:support-order-detail", args=[number])``, reversed once per render."""
    if not _PLAIN_NUMBER.match(number):
        return reverse("orders:support-order-detail", args=[number])
    parts = context.render_context.get("order_rows:detail_url")
    if parts is None:
        parts = reverse("orders:support-order-detail", args=["NUMBER"]).split("NUMBER")
        context.render_context["order_rows:detail_url"] = parts
    return number.join(parts)


@register.simple_tag(takes_context=True)
def order_list_row(context: template.Context, order: Any, pick: bool = False) -> SafeString:
    """One row of ``orders/partials/order_rows.html``; with ``pick`` led by the checkbox that
    chooses the order for the list's bulk actions."""
    choose = (
        format_html(
            '<td class="pick"><input type="checkbox" name="ids" value="{}" aria-label="{}"></td>',
            order.pk,
            _("Choose order %(number)s") % {"number": order.number},
        )
        if pick
        else ""
    )
    external = format_html('<br><span class="muted">{}</span>', order.external_id) if order.external_id else ""
    return format_html(
        "<tr>{}\n"
        '      <td><a class="nowrap" href="{}">{}</a>{}</td>\n'
        '      <td class="nowrap">{}</td>\n'
        '      <td class="wrap-anywhere min-col">{}<br><span class="muted">{}</span></td>\n'
        '      <td class="min-col">{}<br><span class="muted">{} {} · {}</span></td>\n'
        "      <td>{}</td>\n"
        "      <td>{}</td>\n"
        '      <td class="num">{}</td>\n'
        "    </tr>",
        choose,
        order_url(context, order.number),
        order.number,
        external,
        short_datetime(order.created_at),
        order.customer.name,
        order.email or order.customer.email,
        order.shipping_name,
        order.shipping_postcode,
        order.shipping_city,
        order.shipping_country,
        order.channel.name,
        state_badge(order.state, order.get_state_display()),
        money(order.total, order.currency),
    )


@register.simple_tag(takes_context=True)
def reservation_row(context: template.Context, reservation: Any, link_orders: bool) -> SafeString:
    """One row of ``orders/panels/product_reservations.html`` (an ``orders.panels.Reservation``)."""
    if link_orders:
        number = format_html('<a href="{}">{}</a>', order_url(context, reservation.number), reservation.number)
    else:
        number = format_html("{}", reservation.number)
    return format_html(
        "<tr>\n"
        "        <td>{}</td>\n"
        "        <td>{}</td>\n"
        "        <td>{}</td>\n"
        '        <td class="num">{}</td>\n'
        "        <td>{}</td>\n"
        "      </tr>",
        number,
        state_badge(reservation.state, reservation.state_label),
        reservation.warehouse,
        qty(reservation.quantity),
        short_datetime(reservation.created_at),
    )


@register.simple_tag
def order_line_cells(line: Any, currency: str) -> SafeString:
    """The cells of an order line on the order page (``orders/order_detail.html``), up to the
    cancel column."""
    seps = number_separators()
    return format_html(
        '<td class="code">{}</td><td>{}</td>\n'
        '            <td class="num">{}</td><td class="num">{}</td>\n'
        '            <td class="num">{}</td><td class="num">{}</td>\n'
        '            <td class="num">{}</td>\n'
        '            <td class="num">{}</td>\n'
        '            <td class="num">{}</td>',
        line.sku,
        line.name,
        format_qty(line.quantity, seps),
        format_qty(line.quantity_allocated, seps),
        format_qty(line.quantity_shipped, seps),
        format_qty(line.quantity_returned, seps),
        format_qty(line.quantity_cancelled, seps),
        format_money(line.unit_price, currency, seps),
        format_money(line.line_total, currency, seps),
    )
