"""Form fields (pages) and serializer fields (JSON API) that parse through ``oms.parsing``, so a
name, an amount or an e-mail address typed into a page means and fails the same as one sent to
the API, a webhook or a CSV import."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from oms import parsing

# --- pages (Django forms) -------------------------------------------------------------------------


class TextField(forms.CharField):
    """A ``CharField`` whose text is normalised and checked as ``parsing.text`` does for ``kind``."""

    def __init__(self, *, kind: parsing.Kind = parsing.LINE, **kwargs: Any):
        self.kind = kind
        if kind is parsing.MULTILINE:
            kwargs.setdefault("widget", forms.Textarea)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        return parsing.text(value, kind=self.kind) if value else value


class EmailField(TextField):
    """An e-mail address, internationalised ones included (``jörg.müller@example.de``). A text
    input, not ``type=email``: browsers refuse a non-ASCII local part there before it is sent."""

    widget = forms.TextInput(attrs={"inputmode": "email", "autocomplete": "email", "spellcheck": "false"})

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("max_length", parsing.MAX_EMAIL_LENGTH)
        super().__init__(kind=parsing.IDENTIFIER, **kwargs)

    def to_python(self, value: Any) -> str:
        value = super().to_python(value)
        return parsing.email(value) if value else value


class QuantityField(forms.IntegerField):
    """A number of units, a whole number from ``min_value`` (default 1) to ``max_value``."""

    def __init__(self, *, min_value: int = 1, max_value: int = parsing.MAX_QUANTITY, **kwargs: Any):
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        return parsing.quantity(value, minimum=self.min_value, maximum=self.max_value)


class AmountField(forms.DecimalField):
    """A money amount as people type it (``4,90``, ``1.299,00``), at most two decimals. A text input
    with a decimal keypad: ``type=number`` refuses the German decimal comma in some browsers."""

    def __init__(
        self,
        *,
        min_value: Decimal | None = Decimal(0),
        max_value: Decimal = parsing.MAX_AMOUNT,
        **kwargs: Any,
    ):
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal"}))
        kwargs.setdefault("decimal_places", 2)
        super().__init__(min_value=min_value, max_value=max_value, localize=True, **kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values:
            return None
        return parsing.amount(value, minimum=self.min_value, maximum=self.max_value, localized=True)


# --- JSON API (DRF serializers) -------------------------------------------------------------------


class TextSerializerField(serializers.CharField):
    """A ``CharField`` whose text is normalised and checked as ``parsing.text`` does for ``kind``."""

    def __init__(self, *, kind: parsing.Kind = parsing.LINE, **kwargs: Any):
        self.kind = kind
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        return parsing.text(super().to_internal_value(data), kind=self.kind)


@extend_schema_field(
    {
        "type": "string",
        "format": "idn-email",
        "maxLength": parsing.MAX_EMAIL_LENGTH,
        "example": "jörg.müller@example.de",
    }
)
class EmailSerializerField(serializers.CharField):
    """An e-mail address, internationalised ones included (RFC 6531), described as ``idn-email``."""

    def __init__(self, **kwargs: Any):
        kwargs.setdefault("max_length", parsing.MAX_EMAIL_LENGTH)
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        return parsing.email(super().to_internal_value(data))


class QuantitySerializerField(serializers.IntegerField):
    """A number of units, a whole number from ``min_value`` (default 1) to ``max_value``."""

    def __init__(self, *, min_value: int = 1, max_value: int = parsing.MAX_QUANTITY, **kwargs: Any):
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, str) and len(data) > self.MAX_STRING_LENGTH:
            self.fail("max_string_length")
        return parsing.quantity(data, minimum=self.min_value, maximum=self.max_value)


class AmountSerializerField(serializers.DecimalField):
    """A money amount (a JSON string such as ``"19.99"`` or a number), at most two decimals,
    bounded; ``NaN``, ``Infinity`` and ``1e308`` are a 400, never a 500."""

    def __init__(self, *, min_value: Decimal | None = Decimal("0.00"), **kwargs: Any):
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(min_value=min_value, **kwargs)

    def to_internal_value(self, data: Any) -> Decimal:
        if isinstance(data, str) and len(data) > self.MAX_STRING_LENGTH:
            self.fail("max_string_length")
        return parsing.amount(data, minimum=self.min_value)
