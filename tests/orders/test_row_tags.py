# ruff: noqa: E501  (the templates below are the markup the tags replaced, verbatim)
"""The row tags of long lists write the HTML the templates they replaced wrote (orders/templatetags/order_rows.py)."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template
from django.utils import translation

from orders.models import Allocation, Order
from tests.orders.support_fixtures import *  # noqa: F403  (fixtures)
from tests.orders.support_fixtures import place

ORDER_ROW_TEMPLATE = """{% load i18n oms order_states %}{% for order in orders %}
    <tr>
      <td><a class="nowrap" href="{% url 'orders:support-order-detail' order.number %}">{{ order.number }}</a>{% if order.external_id %}<br><span class="muted">{{ order.external_id }}</span>{% endif %}</td>
      <td class="nowrap">{{ order.created_at|date:"SHORT_DATETIME_FORMAT" }}</td>
      <td class="wrap-anywhere min-col">{{ order.customer.name }}<br><span class="muted">{{ order.email|default:order.customer.email }}</span></td>
      <td class="min-col">{{ order.shipping_name }}<br><span class="muted">{{ order.shipping_postcode }} {{ order.shipping_city }} · {{ order.shipping_country }}</span></td>
      <td>{{ order.channel.name }}</td>
      <td>{% state_badge order.state order.get_state_display %}</td>
      <td class="num">{{ order.total|money:order.currency }}</td>
    </tr>
{% endfor %}"""

RESERVATION_ROW_TEMPLATE = """{% load i18n oms order_states %}{% for allocation in reservations %}{% with order=allocation.order_line.order %}
      <tr>
        <td>{% if link_orders %}<a href="{% url 'orders:support-order-detail' number=order.number %}">{{ order.number }}</a>{% else %}{{ order.number }}{% endif %}</td>
        <td>{% state_badge order.state order.get_state_display %}</td>
        <td>{{ allocation.warehouse.code }}</td>
        <td class="num">{{ allocation.quantity|qty }}</td>
        <td>{{ allocation.created_at|date:"SHORT_DATETIME_FORMAT" }}</td>
      </tr>
{% endwith %}{% endfor %}"""


def _same(a: str, b: str) -> None:
    """Equal but for the white space between tags (which a browser does not show)."""
    assert re.sub(r">\s+<", "><", a.strip()) == re.sub(r">\s+<", "><", b.strip())


@pytest.fixture
def orders(catalogue, webshop, marketplace):
    place(webshop, external_id="SHOP-<1001>", name="Anna & Söhne")
    bob = place(marketplace, email="bob@example.org", name="Bob", postcode="80331", city="München")
    Order.objects.filter(pk=bob.pk).update(email="")  # falls back to the customer's e-mail
    return list(Order.objects.select_related("customer", "channel").order_by("pk"))


@pytest.mark.parametrize("language", ["en", "de"])
def test_order_list_rows_match_the_template(orders, language):
    with translation.override(language):
        expected = Template(ORDER_ROW_TEMPLATE).render(Context({"orders": orders}))
        rows = Template("{% load order_rows %}{% for order in orders %}{% order_list_row order %}{% endfor %}")
        got = rows.render(Context({"orders": orders}))
    _same(got, expected)
    assert "SHOP-&lt;1001&gt;" in got and "Anna &amp; Söhne" in got and "bob@example.org" in got


@pytest.mark.parametrize("link_orders", [True, False])
def test_reservation_rows_match_the_template(orders, link_orders):
    from orders.panels import product_reservations

    product = Allocation.objects.first().stock_level.product
    allocations = list(
        Allocation.objects.filter(stock_level__product=product)
        .select_related("order_line__order", "warehouse")
        .order_by("-created_at", "-pk")
    )
    assert len(allocations) == 2
    expected = Template(RESERVATION_ROW_TEMPLATE).render(
        Context({"reservations": allocations, "link_orders": link_orders})
    )
    panel = product_reservations(request=None, product=product)
    rows = "{% load order_rows %}{% for r in reservations %}{% reservation_row r link_orders %}{% endfor %}"
    _same(Template(rows).render(Context({"reservations": panel["reservations"], "link_orders": link_orders})), expected)


LINE_CELLS_TEMPLATE = """{% load oms %}{% for line in lines %}
            <td class="code">{{ line.sku }}</td><td>{{ line.name }}</td>
            <td class="num">{{ line.quantity|qty }}</td><td class="num">{{ line.quantity_allocated|qty }}</td>
            <td class="num">{{ line.quantity_shipped|qty }}</td><td class="num">{{ line.quantity_returned|qty }}</td>
            <td class="num">{{ line.quantity_cancelled|qty }}</td>
            <td class="num">{{ line.unit_price|money:currency }}</td>
            <td class="num">{{ line.line_total|money:currency }}</td>
{% endfor %}"""


@pytest.mark.parametrize("language", ["en", "de"])
def test_order_line_cells_match_the_template(orders, language):
    from orders.models import OrderLine

    OrderLine.objects.filter(order=orders[0]).update(name="Becher <Emaille> & Co")
    lines = list(OrderLine.objects.order_by("pk"))
    context = {"lines": lines, "currency": "EUR"}
    with translation.override(language):
        expected = Template(LINE_CELLS_TEMPLATE).render(Context(context))
        cells = "{% load order_rows %}{% for line in lines %}{% order_line_cells line currency %}{% endfor %}"
        got = Template(cells).render(Context(context))
    _same(got, expected)
    assert "Becher &lt;Emaille&gt; &amp; Co" in got
