"""What the OpenAPI schema says about the text a request may carry, so that the schema allows
exactly what the API accepts.

A string field of a request is refused when it holds characters nobody can store or should see
(NUL everywhere; control and bidi-override characters in the fields parsed by ``oms.parsing``) or,
when it may not be blank, only whitespace. JSON Schema says so with a ``pattern``; this module
builds it, and ``RequestTextFieldExtension`` adds it to every request-side ``CharField`` of a
serializer that has no pattern, format or choices of its own; ``RequestDecimalFieldExtension``
gives amounts their exact pattern and ``RequestListSerializerExtension`` nested lists their
bounds. Imported by ``OmsConfig.ready``, which registers them.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import RegexValidator
from drf_spectacular.extensions import OpenApiSerializerFieldExtension

# What ``str.strip()`` removes (Python's whitespace).
_WHITESPACE_CHARS = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + ("\u2028\u2029\u202f\u205f\u3000")
)
_BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_C0_C1 = [chr(c) for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)]]
_LINE_BREAKS = "\t\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
# Refused characters per text kind of ``oms.parsing`` (see its table); a plain DRF CharField
# refuses NUL (and lone surrogates, which no JSON text of a schema-valid request can hold).
_FORBIDDEN_CHARS = {
    "plain": "\x00",
    "line": "".join(c for c in _C0_C1 if c not in _LINE_BREAKS) + _BIDI_CONTROLS,
    "multiline": "".join(c for c in _C0_C1 if c not in _LINE_BREAKS) + _BIDI_CONTROLS,
    "identifier": "".join(_C0_C1) + "\u2028\u2029" + _BIDI_CONTROLS,
}


def char_class(chars: str) -> str:
    """The body of a regex character class holding exactly ``chars`` (``\\uXXXX`` escapes)."""
    return "".join(f"\\u{ord(c):04x}" for c in sorted(set(chars)))


WHITESPACE = char_class(_WHITESPACE_CHARS)


def text_pattern(kind: str = "plain", *, allow_blank: bool = False) -> str:
    """The ``pattern`` of a text field of ``kind``: no forbidden character, and (unless blank is
    allowed) at least one that is not whitespace.

    Written so that a regex engine never backtracks: leading whitespace, then the first other
    character, then the rest."""
    forbidden = _FORBIDDEN_CHARS[kind]
    if allow_blank:
        # One or more: drf-spectacular offers the empty string as a second ``oneOf`` branch
        # (``maxLength: 0``), and ``oneOf`` wants exactly one branch to match.
        return f"^[^{char_class(forbidden)}]+$"
    leading = "".join(c for c in _WHITESPACE_CHARS if c not in forbidden)
    return f"^[{char_class(leading)}]*[^{char_class(forbidden + _WHITESPACE_CHARS)}][^{char_class(forbidden)}]*$"


def text_schema(*, max_length: int | None = None, kind: str = "plain", allow_blank: bool = False) -> dict[str, Any]:
    """A query parameter's schema for text parsed like a serializer's ``CharField``."""
    schema: dict[str, Any] = {"type": "string", "pattern": text_pattern(kind, allow_blank=allow_blank)}
    if not allow_blank:
        schema["minLength"] = 1
    if max_length is not None:
        schema["maxLength"] = max_length
    return schema


def _kind_of(field: Any) -> str:
    kind = getattr(field, "kind", None)  # oms.parsing_fields.TextSerializerField
    return str(getattr(kind, "name", "plain")).lower() if kind is not None else "plain"


class RequestTextFieldExtension(OpenApiSerializerFieldExtension):
    target_class = "rest_framework.fields.CharField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction != "request" or schema.get("type") != "string":
            return schema
        if any(key in schema for key in ("pattern", "format", "enum")):
            return schema
        if any(isinstance(v, RegexValidator) for v in self.target.validators):
            return schema  # a RegexField: drf-spectacular documents its own pattern
        schema["pattern"] = text_pattern(_kind_of(self.target), allow_blank=self.target.allow_blank)
        return schema


class RequestDecimalFieldExtension(OpenApiSerializerFieldExtension):
    """A request's amount: drf-spectacular's pattern for a ``DecimalField`` makes every digit
    optional, so it allowed ``""``, ``"-"`` and ``"."``, which the API refuses. The exact form:
    digits, at most ``decimal_places`` after the point, no sign unless negatives are allowed."""

    target_class = "rest_framework.fields.DecimalField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        field = self.target
        if direction != "request" or schema.get("type") != "string" or field.max_digits is None:
            return schema
        whole = field.max_digits - (field.decimal_places or 0)
        sign = "" if field.min_value is not None and field.min_value >= 0 else "-?"
        fraction = rf"(?:\.[0-9]{{1,{field.decimal_places}}})?" if field.decimal_places else ""
        schema["pattern"] = rf"^{sign}[0-9]{{1,{whole}}}{fraction}$"
        return schema


class RequestListSerializerExtension(OpenApiSerializerFieldExtension):
    """A nested list (``LineInputSerializer(many=True, allow_empty=False, max_length=500)``):
    drf-spectacular leaves out how many items it takes; ``minItems``/``maxItems`` say it."""

    target_class = "rest_framework.serializers.ListSerializer"
    match_subclasses = True

    def map_serializer_field(self, auto_schema: Any, direction: str) -> dict[str, Any]:
        schema = auto_schema._map_serializer_field(self.target, direction, bypass_extensions=True)
        if direction != "request" or schema.get("type") != "array":
            return schema
        field = self.target
        minimum = max(getattr(field, "min_length", None) or 0, 0 if field.allow_empty else 1)
        if minimum:
            schema["minItems"] = minimum
        if getattr(field, "max_length", None) is not None:
            schema["maxItems"] = field.max_length
        return schema
