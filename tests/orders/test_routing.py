"""The routing rules as a table: stock per warehouse, the customer's country and the channel's
split policy in; the decision (kind, warehouses, reason code) out."""

from __future__ import annotations

import pytest

from orders.routing import WarehouseOption, explain, route

# Warehouses: Leipzig (DE, priority 10), Vienna (AT, 20), Venlo (NL, 30).
WAREHOUSES = [
    WarehouseOption(1, "LEJ", "DE", 10),
    WarehouseOption(2, "VIE", "AT", 20),
    WarehouseOption(3, "VNL", "NL", 30),
]
CODES = {w.id: w.code for w in WAREHOUSES}

# (case, needs {product: qty}, stock {product: {warehouse code: available}}, country, split,
#  expected kind, expected warehouses, expected reason code)
TABLE = [
    ("one warehouse has everything", {1: 2}, {1: {"VIE": 5}}, "DE", True, "single", ["VIE"], "single_only"),
    (
        "customer's country wins over priority",
        {1: 1},
        {1: {"LEJ": 3, "VIE": 3}},
        "AT",
        True,
        "single",
        ["VIE"],
        "single_country",
    ),
    (
        "home country preferred for DE as well",
        {1: 1},
        {1: {"LEJ": 3, "VIE": 3}},
        "DE",
        True,
        "single",
        ["LEJ"],
        "single_country",
    ),
    (
        "no warehouse in the country: best priority",
        {1: 1},
        {1: {"VIE": 3, "VNL": 3}},
        "FR",
        True,
        "single",
        ["VIE"],
        "single_priority",
    ),
    (
        "home warehouse lacks a line: the complete one wins",
        {1: 1, 2: 1},
        {1: {"LEJ": 5, "VNL": 5}, 2: {"VNL": 5}},
        "DE",
        True,
        "single",
        ["VNL"],
        "single_only",
    ),
    (
        "nobody has all lines: split into the fewest shipments",
        {1: 1, 2: 1, 3: 1},
        {1: {"LEJ": 5}, 2: {"VIE": 5}, 3: {"VIE": 5}},
        "DE",
        True,
        "split",
        ["LEJ", "VIE"],
        "split",
    ),
    (
        "split takes two when three would also work",
        {1: 2, 2: 1},
        {1: {"LEJ": 2, "VNL": 1}, 2: {"VIE": 1, "VNL": 1}},
        "DE",
        True,
        "split",
        ["LEJ", "VIE"],
        "split",
    ),
    (
        "one product split over warehouses",
        {1: 5},
        {1: {"LEJ": 3, "VIE": 2}},
        "DE",
        True,
        "split",
        ["LEJ", "VIE"],
        "split",
    ),
    (
        "split needed but the channel forbids it",
        {1: 1, 2: 1},
        {1: {"LEJ": 5}, 2: {"VIE": 5}},
        "DE",
        False,
        "backorder",
        [],
        "backorder_no_split",
    ),
    ("not enough anywhere", {1: 4}, {1: {"LEJ": 1, "VIE": 2}}, "DE", True, "backorder", [], "backorder_no_stock"),
    ("no stock rows at all", {1: 1}, {}, "DE", True, "backorder", [], "backorder_no_stock"),
    (
        "negative availability counts as none",
        {1: 1},
        {1: {"LEJ": -2, "VIE": 1}},
        "DE",
        True,
        "single",
        ["VIE"],
        "single_only",
    ),
    (
        "exactly the available quantity is enough",
        {1: 3},
        {1: {"VNL": 3}},
        "DE",
        False,
        "single",
        ["VNL"],
        "single_only",
    ),
]


@pytest.mark.parametrize(
    ("needs", "stock", "country", "split", "kind", "warehouses", "code"),
    [row[1:] for row in TABLE],
    ids=[row[0] for row in TABLE],
)
def test_routing_table(needs, stock, country, split, kind, warehouses, code):
    by_code = {w.code: w.id for w in WAREHOUSES}
    availability = {p: {by_code[c]: q for c, q in per.items()} for p, per in stock.items()}
    decision = route(
        needs=needs,
        availability=availability,
        warehouses=WAREHOUSES,
        ship_country=country,
        allow_split=split,
        channel_name="Marktplatz",
    )
    assert decision.kind == kind
    assert [CODES[w] for w in decision.warehouse_ids] == warehouses
    assert decision.code == code
    assert decision.message  # every decision has a readable reason
    if kind != "backorder":
        # The picks cover every need exactly, from the chosen warehouses only, within what they have.
        for product, quantity in needs.items():
            picks = decision.picks[product]
            assert sum(q for _w, q in picks) == quantity
            for w, q in picks:
                assert w in decision.warehouse_ids
                assert q <= availability[product][w]
    else:
        assert decision.picks == {}


def test_reason_names_the_warehouse_and_is_rendered_again_from_stored_json():
    decision = route(needs={1: 1}, availability={1: {2: 1}}, warehouses=WAREHOUSES, ship_country="DE", allow_split=True)
    stored = decision.as_json()
    assert "VIE" in stored["message"]
    assert explain(stored) == decision.message
