"""An order file as a German Excel saves it ("CSV UTF-8"): BOM, semicolons, CRLF, decimal
commas, and amounts of a thousand euros or more with a thousands dot (1.047,90)."""

from __future__ import annotations

from decimal import Decimal

from orders.services.imports import build_draft, parse_orders_csv
from tests.orders.support_fixtures import *  # noqa: F403  (fixtures)

HEADER = (
    "external_id;customer_email;customer_name;ship_name;ship_street;ship_postcode;ship_city;ship_country;"
    "shipping_amount;order_total;sku;quantity;unit_price"
)
ANNA = "anna@example.com;Anna Schmidt;Anna Schmidt;Lindenstr. 5;10115;Berlin;DE"


def _excel(*rows: str) -> bytes:
    return ("\ufeff" + "\r\n".join([HEADER, *rows]) + "\r\n").encode("utf-8")


def test_an_order_file_from_german_excel_with_thousands_separators_is_read(catalogue, webshop):
    content = _excel(
        f"X-1;{ANNA};4,90;1.047,90;LAMP-XL;7;149,00",
        f"X-2;{ANNA};0,00;37,50;MUG-WHT;3;12,50",
    )

    parsed = parse_orders_csv(content)

    assert [e.as_dict() for e in parsed.errors] == []
    first, second = parsed.orders
    assert first.lines[0].unit_price == Decimal("149.00")
    draft, errors = build_draft(first, channel=webshop)
    assert errors == []
    assert (draft.shipping_total, draft.stated_total) == (Decimal("4.90"), Decimal("1047.90"))
    draft, errors = build_draft(second, channel=webshop)
    assert (errors, draft.stated_total) == ([], Decimal("37.50"))


def test_an_amount_that_may_be_a_thousands_group_is_refused_naming_the_column(catalogue, webshop):
    parsed = parse_orders_csv(_excel(f"X-1;{ANNA};4,90;1.043;LAMP-XL;7;149,00"))

    assert [(e.row, e.field) for e in parsed.errors] == [(2, "order_total")]


def test_rows_that_excel_leaves_empty_at_the_end_are_skipped(catalogue, webshop):
    # Cells that were formatted or cleared come back as rows of separators only.
    content = _excel(f"X-2;{ANNA};0,00;37,50;MUG-WHT;3;12,50", ";" * 12, ";" * 12)

    parsed = parse_orders_csv(content)

    assert [e.as_dict() for e in parsed.errors] == []
    assert [order.external_id for order in parsed.orders] == ["X-2"]
    assert parsed.total_rows == 1


def test_an_order_file_saved_as_german_excels_default_csv_windows_1252_is_read(catalogue, webshop):
    content = "\r\n".join(
        [HEADER, "X-3;juergen@example.de;Jürgen Weiß;Jürgen Weiß;Große Straße 5;80331;München;DE;4,90;;MUG-WHT;1;12,50"]
    ).encode("cp1252")

    parsed = parse_orders_csv(content)

    assert [e.as_dict() for e in parsed.errors] == []
    (order,) = parsed.orders
    draft, errors = build_draft(order, channel=webshop)
    assert errors == []
    assert (draft.customer.name, draft.shipping_address.city) == ("Jürgen Weiß", "München")
