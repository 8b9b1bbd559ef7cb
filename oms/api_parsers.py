"""The JSON request parser of every API endpoint (``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``).

JSON is UTF-8 (RFC 8259 §8.1). DRF's own ``JSONParser`` decodes the body with whatever codec the
Content-Type ``charset`` names (``codecs.getreader``), and Python's codec registry holds more than
text encodings: ``charset=bz2`` or ``zlib`` would inflate a few hundred bytes into hundreds of MB
after the body limit was checked, ``rot13`` or ``base64`` would turn the body into something else.
This parser reads at most the body limit, accepts no charset or ``utf-8`` only (415 otherwise) and
decodes with the UTF-8 codec alone. It also keeps numbers with a fraction exact (``Decimal``),
refuses ``NaN``/``Infinity``, a key given twice in one object (the last one would silently win),
unpaired surrogates (no database can store them) and JSON nested too deep to parse, each as a 400
that says what is wrong.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.http import parse_header_parameters
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser

from oms.error_codes import CommonErrorCode

ACCEPTED_CHARSETS = frozenset({"utf-8"})


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is too large.")
    default_code = CommonErrorCode.PAYLOAD_TOO_LARGE


class UnsupportedCharset(exceptions.UnsupportedMediaType):
    default_code = CommonErrorCode.UNSUPPORTED_CHARSET


class _DuplicateKey(ValueError):
    def __init__(self, key: str):
        super().__init__(key)
        self.key = key


class _UnpairedSurrogate(ValueError):
    pass


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")


def _object_without_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise _DuplicateKey(key)
        obj[key] = value
    return obj


def _check_strings(value: Any) -> None:
    """Raise on a lone surrogate (``"\\ud800"``) anywhere in a parsed document: JSON's escapes can
    spell one, UTF-8 cannot carry it. (The decoder joins a valid pair into one character.)"""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                raise _UnpairedSurrogate from None
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def charset_of(media_type: str | None) -> str | None:
    """The ``charset`` parameter of a Content-Type, lower-cased (None when absent)."""
    if not media_type:
        return None
    _main, params = parse_header_parameters(media_type)
    charset = params.get("charset")
    return charset.strip().lower() if charset is not None else None


def require_utf8(media_type: str | None) -> None:
    """415 unless the Content-Type names no charset or UTF-8."""
    charset = charset_of(media_type)
    if charset is not None and charset not in ACCEPTED_CHARSETS:
        raise UnsupportedCharset(
            media_type,
            detail=_(
                "JSON bodies must be UTF-8: send Content-Type application/json without a charset or "
                "with charset=utf-8, not “%(charset)s”."
            )
            % {"charset": charset[:40]},
        )


def read_bounded(stream: Any) -> bytes:
    """The body, never more than ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes of it (413 beyond)."""
    if stream is None:
        return b""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    raw = stream.read(limit + 1) if limit is not None else stream.read()
    if limit is not None and len(raw) > limit:
        raise PayloadTooLarge()
    return raw


def loads_strict(raw: bytes) -> Any:
    """Parse a UTF-8 JSON document strictly (see the module docstring); ``ParseError`` (400) when
    it is not one."""
    try:
        text = raw.decode("utf-8-sig")  # a byte order mark is tolerated (RFC 8259 §8.1)
    except UnicodeDecodeError as exc:
        raise exceptions.ParseError(
            _("The body is not valid UTF-8 (byte %(position)s).") % {"position": exc.start}
        ) from None
    try:
        data = json.loads(
            text,
            parse_float=Decimal,
            parse_constant=_reject_constant,
            object_pairs_hook=_object_without_duplicate_keys,
        )
        _check_strings(data)
    except _DuplicateKey as exc:
        raise exceptions.ParseError(
            _("The key “%(key)s” appears twice in one JSON object; send each key once.") % {"key": exc.key[:100]},
            code=CommonErrorCode.DUPLICATE_KEY,
        ) from None
    except _UnpairedSurrogate:
        raise exceptions.ParseError(
            _("The body contains an unpaired UTF-16 surrogate escape, which stands for no character."),
        ) from None
    except (ValueError, RecursionError) as exc:
        raise exceptions.ParseError(_("JSON parse error - %(error)s") % {"error": str(exc)[:200]}) from None
    return data


class StrictJSONParser(JSONParser):
    """``application/json`` in UTF-8, read within the body limit, parsed strictly.

    A subclass of DRF's parser so DRF hands it the body through ``request.body`` (which enforces
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``); it reads the stream within that limit itself as well.
    """

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        # The charset from the Content-Type itself, not ``parser_context["encoding"]``: Django
        # drops a charset it does not know and DRF then falls back to UTF-8 silently.
        require_utf8(media_type)
        return loads_strict(read_bounded(stream))
