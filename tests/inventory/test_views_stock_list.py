"""The stock list as a list: sort by available units, totals, CSV export of what is filtered, count sheet."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.inventory.screens import make_bin, make_product, make_warehouse, put_stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def ber():
    return make_warehouse("BER")


@pytest.fixture
def stocked(ber):
    mug, cup, pot = make_product("MUG-1"), make_product("CUP-1"), make_product("POT-1")
    put_stock(mug, ber, 7)
    put_stock(cup, ber, 2)
    put_stock(pot, ber, 30)
    return mug, cup, pot


def _skus(response) -> list[str]:
    return [p.sku for p in response.context["page"].rows]


def test_stock_sorts_by_available_units_and_shows_the_totals(warehouse_client, stocked):
    url = reverse("inventory:stock-list")
    assert _skus(warehouse_client.get(url)) == ["CUP-1", "MUG-1", "POT-1"]
    response = warehouse_client.get(url, {"sort": "-available"})
    assert _skus(response) == ["POT-1", "MUG-1", "CUP-1"]
    body = response.content.decode()
    assert ("3 matches" in body or "3 Treffer" in body) and "39" in body  # 7 + 2 + 30 on hand


def test_stock_export_is_what_is_filtered(warehouse_client, stocked):
    response = warehouse_client.get(reverse("inventory:stock-export"), {"q": "MUG"})
    text = b"".join(response.streaming_content).decode()
    lines = text.strip().splitlines()
    assert lines[0].startswith("\ufeffSKU;") and len(lines) == 2 and lines[1].startswith("MUG-1;")


def test_a_count_sheet_lists_the_chosen_products_with_their_bins_and_no_expected_quantity(
    warehouse_client, stocked, ber
):
    mug, cup, _pot = stocked
    make_bin(ber, "A-01-01")  # an empty bin is not listed
    response = warehouse_client.post(
        reverse("inventory:stock-bulk"), {"ids": [mug.pk, cup.pk], "action": "count-sheet"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "MUG-1" in body and "CUP-1" in body and "POT-1" not in body
    assert ">7<" not in body  # a blind count
