"""What the load generator must do exactly as the orders domain does: order numbers and the
search text. Kept in one place so a change in the domain is mirrored here in one edit."""

from __future__ import annotations

import datetime
import functools
from types import SimpleNamespace
from typing import Any

from django.apps import apps
from django.db import connection

from orders.services.numbering import format_number
from orders.services.timeline import build_search_text

SEQUENCE = "orders_order_number_seq"


def order_number(seq: int, placed: datetime.datetime) -> str:
    """``<year>-<counter>`` from the one PostgreSQL sequence (orders.services.numbering)."""
    return format_number(placed.year, seq)


def advance_number_sequence(last: int) -> None:
    """New orders continue after the generated ones instead of colliding with them."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [SEQUENCE])
        if cursor.fetchone()[0] is not None:
            cursor.execute("SELECT setval(%s, %s)", [SEQUENCE, max(last, 1)])


_FIELDS = (
    "number", "external_id", "email", "billing_name", "shipping_name", "billing_company", "shipping_company",
    "billing_postcode", "shipping_postcode", "billing_phone", "shipping_phone",
)  # fmt: skip


def search_text(values: dict[str, Any], skus: list[str]) -> str:
    """The order's search document, built by the domain's own ``build_search_text`` from the
    generated values (an order-shaped namespace, no model instance needed)."""
    # Every field of the order (not only the ones searched today), so the domain may read another
    # one without breaking the generator.
    names = _order_field_names() or _FIELDS
    order = SimpleNamespace(**{f: values.get(f, "") for f in names})
    lines = [SimpleNamespace(sku=sku) for sku in skus]
    return build_search_text(order, lines)


@functools.cache
def _order_field_names() -> tuple[str, ...]:
    try:
        order = apps.get_model("orders.Order")
    except LookupError:
        return ()
    return tuple(f.attname for f in order._meta.concrete_fields)
