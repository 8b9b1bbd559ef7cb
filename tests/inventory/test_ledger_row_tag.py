"""``{% ledger_row %}`` writes the HTML the product stock page's ledger template wrote."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template
from django.utils import translation

from inventory.models import StockMovement
from inventory.services.stock import adjust_stock, receive_stock
from tests.conftest import make_user
from tests.inventory.screens import make_bin, make_product, make_warehouse

LEDGER_ROW_TEMPLATE = """{% load oms %}{% for movement in ledger %}
      <tr>
        <td class="nowrap">{{ movement.created_at|date:"SHORT_DATETIME_FORMAT" }}</td>
        <td>{{ movement.get_kind_display }}</td>
        <td>{{ movement.warehouse.code }}{% if movement.bin %}/{{ movement.bin.code }}{% endif %}</td>
        <td class="num">{% if movement.quantity > 0 %}+{% endif %}{{ movement.quantity|qty }}</td>
        <td class="num">{{ movement.on_hand_after|qty }}</td>
        <td>{{ movement.reason }}</td>
        <td>{{ movement.reference }}</td>
        <td>{{ movement.user.username|default:"—" }}</td>
      </tr>
{% endfor %}"""


def _tags(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "de"])
def test_ledger_rows_match_the_template(language, django_user_model):
    warehouse = make_warehouse("BER")
    product = make_product("LEDGER-1")
    user = make_user(django_user_model, "lager", "warehouse")
    receive_stock(
        product=product, warehouse=warehouse, quantity=1200, bin=make_bin(warehouse, "A-01"), reference="PO-<7>"
    )
    adjust_stock(product=product, warehouse=warehouse, quantity=-3, reason="broken & swept up", user=user)
    ledger = list(StockMovement.objects.select_related("warehouse", "bin", "user").order_by("-id"))
    with translation.override(language):
        expected = Template(LEDGER_ROW_TEMPLATE).render(Context({"ledger": ledger}))
        rows = "{% load stock_rows %}{% for movement in ledger %}{% ledger_row movement %}{% endfor %}"
        got = Template(rows).render(Context({"ledger": ledger}))
    assert _tags(got) == _tags(expected)
    assert "PO-&lt;7&gt;" in got and "broken &amp; swept up" in got and "BER/A-01" in got and "—" in got
