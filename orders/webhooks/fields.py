"""Reading one field of a shop's payload: amounts, quantities, texts, ids and dates.

A value that cannot be used raises ``PayloadError`` naming the field, so the shop is told which
part of its payload is wrong.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from orders.webhooks.errors import PayloadError

MAX_ID_LENGTH = 100  # Shopify ids have 19 digits today; anything much longer is not an id.


def money(value: Any, field: str, *, default: Decimal | None = None) -> Decimal:
    """A money amount from a string ("24.90") or a JSON number (parsed as Decimal)."""
    if value is None or value == "":
        if default is not None:
            return default
        raise PayloadError(field, _("The amount is missing."))
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise PayloadError(field, _("“%(value)s” is not an amount.") % {"value": str(value)[:50]})
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise PayloadError(field, _("“%(value)s” is not an amount.") % {"value": str(value)[:50]}) from None
    if not amount.is_finite() or amount < 0:
        raise PayloadError(field, _("“%(value)s” is not an amount.") % {"value": str(value)[:50]})
    return amount


def signed_money(value: Any, field: str) -> Decimal:
    """An amount that may be negative (a WooCommerce fee line); missing is zero."""
    if isinstance(value, str) and value.strip().startswith("-"):
        return -money(value.strip()[1:], field, default=Decimal(0))
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool) and value < 0:
        return -money(-value, field)
    return money(value, field, default=Decimal(0))


def quantity(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise PayloadError(field, _("The quantity must be a whole number of at least 1."))
    return value


def text(value: Any, limit: int = 200) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value).strip()[:limit]


def full_name(first: Any, last: Any) -> str:
    """First and last name as one, either may be missing."""
    return " ".join(part for part in (text(first), text(last)) if part)


def section(value: Any, field: str, *, required: bool = True) -> dict[str, Any]:
    """A nested object of the payload (an address, the customer); ``{}`` when optional and absent."""
    if isinstance(value, dict) and value:
        return value
    if required:
        raise PayloadError(field, _("This part of the order is missing."))
    return {}


def external_id(value: Any, field: str) -> str:
    # Shopify ids exceed 2**53: json.loads keeps them exact as int; they are stored as text.
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip():
        raise PayloadError(field, _("The order id is missing."))
    value = str(value).strip()
    if len(value) > MAX_ID_LENGTH:
        raise PayloadError(field, _("The order id is too long."))
    return value


def language(locale: Any) -> str:
    code = text(locale, 20).lower()[:2]
    return code if code in {"de", "en"} else "de"


def aware_datetime(value: Any, *, assume_utc: bool = False) -> datetime.datetime | None:
    """An ISO 8601 date and time in UTC; ``None`` when absent or unusable (intake then uses now)."""
    value = text(value, 40)
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is None:
        return None
    if timezone.is_naive(parsed):
        if not assume_utc:
            return None
        parsed = parsed.replace(tzinfo=datetime.UTC)
    try:
        return parsed.astimezone(datetime.UTC)  # PostgreSQL refuses odd offsets Python accepts
    except (OverflowError, ValueError):
        return None
