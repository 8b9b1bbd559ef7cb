"""The order intake body, read without building DRF serializers: ``validated_order`` gives what
``OrderInputSerializer(data=...).validated_data`` gives for a body the serializer accepts, in a
fraction of the time (the nested serializers deep-copy some forty fields per request, a fifth
of an API order's CPU), or None when the body needs the serializer: anything it would refuse
(so every 400 still comes from the serializer, with its messages), a key it does not know, and
the rarer inputs it converts (``placed_at``, ``channel``, numbers or booleans written as strings).

The serializer stays the description of the body (the OpenAPI schema is built from it) and the
reference: every value here goes through the same ``oms.parsing`` function, and the same checks
after it, as the serializer field does (``tests/orders/test_api_order_input.py`` compares the
two on generated bodies).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from oms import parsing
from oms.money import SUPPORTED_CURRENCIES
from orders.models import PaymentMethod

Value = Callable[[Any], Any]


class _Refused(Exception):
    """The serializer must look at this body."""


_ZERO = Decimal("0.00")
_SURROGATE = re.compile("[\ud800-\udfff]")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_MAX_STRING_LENGTH = 1000  # DRF's IntegerField/DecimalField.MAX_STRING_LENGTH


def _text(max_length: int, *, kind: parsing.Kind = parsing.LINE, blank: bool = False) -> Value:
    """``TextSerializerField(max_length=..., kind=..., allow_blank=...)``."""

    def read(value: Any) -> str:
        if type(value) is not str:
            raise _Refused
        stripped = value.strip()
        if not stripped:
            if blank:
                return ""
            raise _Refused
        text = parsing.text(stripped, kind=kind)
        _check_char_field(text, max_length)
        return text

    return read


def _check_char_field(text: str, max_length: int) -> None:
    # The validators of DRF's CharField, run on the value as parsed.
    if len(text) > max_length or "\x00" in text or _SURROGATE.search(text):
        raise _Refused


def _email(value: Any) -> str:
    if type(value) is not str or not value.strip():
        raise _Refused
    address = parsing.email(value.strip())
    _check_char_field(address, parsing.MAX_EMAIL_LENGTH)
    return address


def _choice(*choices: str) -> Value:
    allowed = frozenset(choices)

    def read(value: Any) -> str:
        if type(value) is not str or value not in allowed:
            raise _Refused
        return value

    return read


def _country(value: Any) -> str:
    if type(value) is not str:
        raise _Refused
    stripped = value.strip()
    if not _COUNTRY.search(stripped) or "\x00" in stripped:
        raise _Refused
    return stripped


def _quantity(value: Any) -> int:
    if type(value) is not int:
        raise _Refused
    quantity = parsing.quantity(value, minimum=1, maximum=parsing.MAX_QUANTITY)
    if not 1 <= quantity <= parsing.MAX_QUANTITY:
        raise _Refused
    return quantity


def _amount(value: Any) -> Decimal:
    if type(value) not in (str, Decimal, int) or (type(value) is str and len(value) > _MAX_STRING_LENGTH):
        raise _Refused
    amount = parsing.amount(value, minimum=_ZERO)
    if amount < _ZERO:
        raise _Refused
    return amount


def _nullable_amount(value: Any) -> Decimal | None:
    return None if value is None else _amount(value)


def _boolean(value: Any) -> bool:
    if type(value) is not bool:
        raise _Refused
    return value


# (name, read, default): ``_REQUIRED`` when the field must be there, ``_ABSENT`` when a missing
# field stays out of the validated data, as the serializer leaves it out.
_REQUIRED = object()
_ABSENT = object()
Fields = tuple[tuple[str, Value, Any], ...]

_CUSTOMER: Fields = (
    ("email", _email, _REQUIRED),
    ("name", _text(200), _REQUIRED),
    ("phone", _text(50, blank=True), ""),
    ("language", _choice("de", "en"), "de"),
    ("company", _text(200, blank=True), ""),
    ("vat_id", _text(20, blank=True), ""),
)
_ADDRESS: Fields = (
    ("name", _text(200), _REQUIRED),
    ("company", _text(200, blank=True), ""),
    ("street", _text(200), _REQUIRED),
    ("line2", _text(200, blank=True), ""),
    ("postcode", _text(20), _REQUIRED),
    ("city", _text(100), _REQUIRED),
    ("country", _country, _REQUIRED),
    ("phone", _text(50, blank=True), ""),
)
_LINE: Fields = (
    ("sku", _text(64, kind=parsing.IDENTIFIER), _REQUIRED),
    ("quantity", _quantity, _REQUIRED),
    ("unit_price", _amount, _REQUIRED),
    ("discount", _amount, _ZERO),
)
_PAYMENT: Fields = (
    ("method", _choice(*PaymentMethod.values), PaymentMethod.INVOICE),
    ("captured", _boolean, False),
)


def _object(fields: Fields) -> Value:
    names = frozenset(name for name, _read, _default in fields)

    def read(value: Any) -> dict[str, Any]:
        if type(value) is not dict or not names.issuperset(value):
            raise _Refused
        out: dict[str, Any] = {}
        for name, read_field, default in fields:
            if name in value:
                out[name] = read_field(value[name])
            elif default is _REQUIRED:
                raise _Refused
            elif default is not _ABSENT:
                out[name] = default
        return out

    return read


def _nullable(read: Value) -> Value:
    return lambda value: None if value is None else read(value)


def _lines(value: Any) -> list[dict[str, Any]]:
    if type(value) is not list or not 1 <= len(value) <= 500:
        raise _Refused
    return [_line(item) for item in value]


_line = _object(_LINE)
_ORDER: Fields = (
    ("external_id", _text(100, kind=parsing.IDENTIFIER, blank=True), ""),
    ("customer", _object(_CUSTOMER), _REQUIRED),
    ("billing_address", _object(_ADDRESS), _REQUIRED),
    ("shipping_address", _nullable(_object(_ADDRESS)), _ABSENT),
    ("lines", _lines, _REQUIRED),
    ("currency", _choice(*SUPPORTED_CURRENCIES), "EUR"),
    ("price_mode", _choice("gross", "net"), "gross"),
    ("shipping_total", _amount, _ZERO),
    ("discount_total", _amount, _ZERO),
    ("total", _nullable_amount, _ABSENT),
    ("payment", _object(_PAYMENT), _ABSENT),
    ("notes", _text(2000, kind=parsing.MULTILINE, blank=True), ""),
)
_order = _object(_ORDER)


def validated_order(data: Any) -> dict[str, Any] | None:
    """The serializer's ``validated_data`` for ``data`` (the parsed JSON body), or None: ask the
    serializer (see the module docstring)."""
    try:
        return _order(data)
    except (_Refused, parsing.ParseError):
        return None
