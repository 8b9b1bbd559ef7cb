"""The quick reading of an order body (``orders.api.order_input``) agrees with the serializer it
stands in for: whenever it answers, the serializer accepts the body with the same values; the
bodies channels send every day are read without the serializer."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orders.api.order_input import validated_order
from orders.api.serializers import OrderInputSerializer
from tests.orders.test_api import ORDER

FULL = {
    **ORDER,
    "customer": {
        "email": "Jörg.Müller@Example.de",
        "name": " Jörg Müller ",
        "phone": "",
        "language": "en",
        "company": "Müller GmbH",
        "vat_id": "DE123456789",
    },
    "shipping_address": {
        "name": "Jörg Müller",
        "company": "",
        "street": "Hauptstr. 1",
        "line2": "Hinterhaus",
        "postcode": "1010",
        "city": "Wien",
        "country": "AT",
        "phone": "+43 1 234",
    },
    "lines": [
        {"sku": "SHIRT-BLK-M", "quantity": 2, "unit_price": Decimal("24.90"), "discount": "1.00"},
        {"sku": "MUG-WHT", "quantity": 1, "unit_price": 12},
    ],
    "price_mode": "net",
    "discount_total": "0",
    "total": None,
    "payment": {"method": "prepayment"},
    "notes": "Bitte klingeln.\nDanke!",
}

# What the generated bodies put in place of a value: the shapes the serializer converts or refuses.
ODD = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-3, max_value=200_000),
    st.sampled_from(
        [
            "",
            " ",
            "  padded  ",
            "de",
            "EN",
            "DE",
            " DE ",
            "de ",
            "gross",
            "card",
            "EUR",
            "eur",
            "1",
            "3",
            "true",
            "19.99",
            "19,99",
            "-1.00",
            "1e3",
            "NaN",
            "0.001",
            "x" * 21,
            "y" * 201,
            "a\x00b",
            "A\u200bB",
            "Mu\u0308ller",
            "line\nbreak",
            "\u202egefährlich",
            "anna@example.com",
            "not-an-email",
            "2026-05-01T10:00:00+02:00",
        ]
    ),
    st.decimals(min_value=-5, max_value=10_000_000_000, places=3, allow_nan=False),
    st.just([]),
    st.just({}),
    st.text(max_size=12),
)


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    paths = [prefix] if prefix else []
    if isinstance(value, Mapping):
        for key, item in value.items():
            paths += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            paths += _paths(item, (*prefix, i))
    return paths


@st.composite
def bodies(draw: st.DrawFn) -> Any:
    body = copy.deepcopy(draw(st.sampled_from([ORDER, FULL])))
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        paths = _paths(body)
        path = draw(st.sampled_from(paths))
        parent = body
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "replace", "delete", "add"]))
        if action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["unknown", "placed_at", "channel", "tip"]))] = draw(ODD)
        else:
            parent[path[-1]] = draw(ODD)
    return body


def _plain(value: Any) -> Any:
    """Nested values with their types: Decimal("1.0") and Decimal("1.00") differ."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return (type(value).__name__ if not isinstance(value, str) else "str", str(value))


def _serializer(body: Any) -> dict | None:
    serializer = OrderInputSerializer(data=body)
    return _plain(serializer.validated_data) if serializer.is_valid() else None


@pytest.mark.parametrize("body", [ORDER, FULL], ids=["short", "every-field"])
def test_a_body_as_channels_send_it_is_read_as_the_serializer_reads_it(body):
    quick = validated_order(copy.deepcopy(body))

    assert quick is not None
    assert _plain(quick) == _serializer(copy.deepcopy(body))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies())
def test_whenever_the_quick_reading_answers_the_serializer_agrees(body):
    quick = validated_order(copy.deepcopy(body))

    if quick is not None:
        assert _plain(quick) == _serializer(copy.deepcopy(body))
