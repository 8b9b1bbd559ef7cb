"""The stock overview with 100,000 SKUs on PostgreSQL: every filter's first and a deep page stay fast.

Products and stock rows are inserted with ``generate_series`` (a second or two), then the real
selector builds each page. The limit is the server-side execution time from ``EXPLAIN ANALYZE``
(not wall clock, so a busy shared machine does not fail it): measured at 0.3-5 ms here; the
test allows 250 ms, which a GROUP BY over the whole catalogue per page (~475 ms for "low") exceeds.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection

from inventory.screen_selectors import StockFilters, stock_overview
from oms.paging import keyset_page
from tests.inventory.screens import make_warehouse

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SKUS = 100_000
MAX_MS = 250

WORDS = "{Pfanne,Topf,Lampe,Schere,Becher,Tasse,Kanne,Korb,Box,Schlauch,Messer,Brett,Zelt,Stuhl}"


def _catalogue(warehouse_ids: list[int]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO inventory_product (sku, name, gtin, weight_grams, length_mm, width_mm, height_mm,
                net_price, gross_price, vat_rate, active, is_preorder, withdrawal_exclusion, created_at, updated_at)
            SELECT 'SKU-' || lpad(i::text, 6, '0'),
                   ('{WORDS}'::text[])[1 + i %% 14] || ' ' || ('{WORDS}'::text[])[1 + (i / 14) %% 14] || ' ' || i,
                   '', 100, 1, 1, 1, 8.40, 9.99, 19.00, true, false, '', now(), now()
            FROM generate_series(0, %s) AS i
            """,
            [SKUS - 1],
        )
        # Two of three warehouses per product; a tenth out of stock, a tenth low, the rest plenty.
        cursor.execute(
            """
            INSERT INTO inventory_stocklevel (product_id, warehouse_id, on_hand, reserved, updated_at)
            SELECT p.id, w.id, q.on_hand, LEAST(q.on_hand, 1), now()
            FROM inventory_product p
            JOIN unnest(%s::bigint[]) WITH ORDINALITY AS w(id, n) ON (p.id + w.n) %% 3 <> 0
            CROSS JOIN LATERAL (SELECT CASE WHEN p.id %% 10 = 0 THEN 0 WHEN p.id %% 10 = 1 THEN 2
                                            ELSE 40 + p.id %% 50 END AS on_hand) AS q
            """,
            [warehouse_ids],
        )
        cursor.execute("ANALYZE inventory_product")
        cursor.execute("ANALYZE inventory_stocklevel")


def _execution_ms(queryset) -> float:
    plan = json.loads(queryset.explain(format="json", analyze=True))
    return plan[0]["Execution Time"]


def test_every_filter_answers_its_first_and_a_deep_page_quickly_with_100000_skus():
    warehouses = [make_warehouse(code, priority=i) for i, code in enumerate(["LEJ", "VIE", "VEN"])]
    _catalogue([w.pk for w in warehouses])

    cases = {
        "all": StockFilters(),
        "sku prefix": StockFilters(q="SKU-0123"),
        "name part": StockFilters(q="lampe"),
        "no match": StockFilters(q="zzzz"),
        "warehouse": StockFilters(warehouse=warehouses[1]),
        "low": StockFilters(low=True),
        "out": StockFilters(out=True),
        "warehouse + out": StockFilters(warehouse=warehouses[2], out=True),
        "name part + low": StockFilters(q="korb", low=True),
    }
    slow = {}
    for name, filters in cases.items():
        page = keyset_page(stock_overview(filters=filters), order_by=("sku",))
        if name in ("all", "warehouse", "low", "out", "name part"):
            assert len(page.rows) == 50, name  # the data really has rows for these filters
        for after in ("", "SKU-090000"):  # the first page, and one deep in the catalogue
            qs = stock_overview(filters=filters).order_by("sku")
            if after:
                qs = qs.filter(sku__gt=after)
            ms = _execution_ms(qs[:51])
            if ms > MAX_MS:
                slow[f"{name} after {after or 'start'}"] = round(ms)
    assert slow == {}
