"""Reading the fields of a shop's payload: amounts, quantities, texts, ids and dates.

A value that cannot be used raises ``PayloadError`` naming the field, so the shop is told which
part of its payload is wrong (an amount no order can have, a quantity of "2.5"). Text is never
refused: the shop has already taken it from its customer. What cannot be stored as sent (a lone
surrogate, a control or bidi-override character, a text longer than the field) is cleaned by
``oms.parsing.clean_text``, and the ``PayloadReader`` remembers it as a doubt, so intake takes the
order in and puts it on hold with the reason.
"""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from oms import parsing
from oms.parsing import MAX_AMOUNT, ParseError
from orders.webhooks.errors import PayloadError

MAX_ID_LENGTH = 100  # Shopify ids have 19 digits today; anything much longer is not an id.
NOTE_LENGTH = 10_000  # what intake keeps of a customer's note


def _change_labels() -> dict[str, str]:
    return {
        "surrogate": _("an invalid character replaced by �"),
        "nul": _("null characters removed"),
        "control": _("control characters removed"),
        "bidi": _("characters that reorder the text removed"),
        "truncated": _("cut to the length the field holds"),
    }


class PayloadReader:
    """Reads one payload's fields; ``doubts`` lists what it had to clean, for the hold's reason."""

    def __init__(self) -> None:
        self.doubts: list[str] = []

    def text(self, value: Any, field: str, limit: int = 200, *, kind: parsing.Kind = parsing.LINE) -> str:
        """``value`` as storable text (``""`` for a missing value, an object or a list)."""
        if value is None or isinstance(value, (dict, list)):
            return ""
        if isinstance(value, bool):
            value = "true" if value else "false"
        cleaned = parsing.clean_text(value, kind=kind, max_length=limit)
        if cleaned.changed:
            labels = _change_labels()
            self.doubts.append(
                _("The shop sent %(field)s in a form that cannot be stored (%(changes)s): “%(value)s”.")
                % {
                    "field": field,
                    "changes": ", ".join(labels[code] for code in sorted(cleaned.changes)),
                    "value": cleaned.text[:60],
                }
            )
        return cleaned.text

    def identifier(self, value: Any, field: str, limit: int = 64) -> str:
        return self.text(value, field, limit, kind=parsing.IDENTIFIER)

    def full_name(self, first: Any, last: Any, field: str) -> str:
        """First and last name as one, either may be missing."""
        parts = (self.text(first, f"{field}.first_name"), self.text(last, f"{field}.last_name"))
        return " ".join(part for part in parts if part)

    def external_id(self, value: Any, field: str) -> str:
        # Shopify ids exceed 2**53: json.loads keeps them exact as int; they are stored as text.
        if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip():
            raise PayloadError(field, _("The order id is missing."))
        if len(str(value).strip()) > MAX_ID_LENGTH:
            raise PayloadError(field, _("The order id is too long."))
        return self.identifier(value, field, MAX_ID_LENGTH)

    def placed_at(self, value: Any, field: str, *, assume_utc: bool = False) -> datetime.datetime | None:
        """When the shop took the order; ``None`` (intake uses now) when absent, and also when it
        is not plausible (``0001-01-01``, next year: ``oms.parsing.placed_at``), with a doubt."""
        moment = aware_datetime(value, assume_utc=assume_utc)
        if moment is None:
            return None
        try:
            return parsing.placed_at(moment)
        except ParseError as exc:
            self.doubts.append(
                _("The shop's order date (%(field)s) was not used: %(problem)s") % {"field": field, "problem": str(exc)}
            )
            return None

    def language(self, locale: Any) -> str:
        code = parsing.clean_text(locale if isinstance(locale, str) else "", max_length=20).text.lower()[:2]
        return code if code in {"de", "en"} else "de"


def money(value: Any, field: str, *, default: Decimal | None = None) -> Decimal:
    """A money amount from a string ("24.90") or a JSON number (parsed as Decimal), as exact as
    sent: WooCommerce's unrounded line amounts keep their decimals, the mapper rounds. Refused
    (``PayloadError``): what is no amount, a negative one, and one larger than any order can be
    (``1e308``)."""
    if value is None or value == "":
        if default is not None:
            return default
        raise PayloadError(field, _("The amount is missing."))
    if isinstance(value, bool) or not isinstance(value, (str, int, Decimal)):
        raise PayloadError(field, _("“%(value)s” is not an amount.") % {"value": str(value)[:50]})
    try:
        raw = parsing.text(value, kind=parsing.IDENTIFIER, max_length=40) if isinstance(value, str) else value
        amount = Decimal(raw)
    except (InvalidOperation, ParseError):
        raise PayloadError(field, _("“%(value)s” is not an amount.") % {"value": str(value)[:50]}) from None
    if not amount.is_finite() or amount < 0:
        raise PayloadError(field, _("“%(value)s” is not an amount.") % {"value": str(value)[:50]})
    if amount > MAX_AMOUNT:
        raise PayloadError(
            field,
            _("The amount %(value)s is larger than any order can be (at most %(max)s).")
            % {"value": str(value)[:50], "max": MAX_AMOUNT},
        )
    return amount


def tax_rate(value: Any, field: str) -> Decimal:
    """A tax rate as a fraction (Shopify's ``"rate": 0.19``) in percent (19.00). The one number
    read from a float: a rate is no amount, and ``0.19`` has an exact shortest text."""
    try:
        if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
            raise InvalidOperation
        rate = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        raise PayloadError(field, _("“%(value)s” is not a tax rate.") % {"value": str(value)[:50]}) from None
    if not rate.is_finite() or not 0 <= rate <= 1:
        raise PayloadError(field, _("“%(value)s” is not a tax rate.") % {"value": str(value)[:50]})
    return (rate * 100).quantize(Decimal("0.01"))


def signed_money(value: Any, field: str) -> Decimal:
    """An amount that may be negative (a WooCommerce fee line); missing is zero."""
    if isinstance(value, str) and value.strip().startswith("-"):
        return -money(value.strip()[1:], field, default=Decimal(0))
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool) and value < 0:
        return -money(-value, field)
    return money(value, field, default=Decimal(0))


def quantity(value: Any, field: str) -> int:
    """A number of units (``oms.parsing.quantity``): a whole number from 1."""
    try:
        return parsing.quantity(value)
    except ParseError as exc:
        raise PayloadError(field, str(exc)) from None


def section(value: Any, field: str, *, required: bool = True) -> dict[str, Any]:
    """A nested object of the payload (an address, the customer); ``{}`` when optional and absent."""
    if isinstance(value, dict) and value:
        return value
    if required:
        raise PayloadError(field, _("This part of the order is missing."))
    return {}


def aware_datetime(value: Any, *, assume_utc: bool = False) -> datetime.datetime | None:
    """An ISO 8601 date and time in UTC; ``None`` when absent or unusable."""
    value = parsing.clean_text(value if isinstance(value, str) else "", max_length=40).text
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
