"""Texts written now and read later, each time in the reader's language.

A timeline entry ("On hold: address unclear") is written once but read by agents working in
German and in English. Storing the sentence translated into the writer's language would show it
in that language for ever. So a service stores a *text spec* instead: the English source string
and its parameters, as JSON. ``render`` translates it for whoever reads it::

    spec = text(gettext_lazy("On hold: %(reason)s"), reason=reason)   # stored in a JSONField
    render(spec)                                                        # in the active language

The source is a lazily translated string (``gettext_lazy``) or one marked with ``gettext_noop``,
so ``makemessages`` finds it. Parameters are shown as given (a typed reason, a SKU), except lazily
translated strings and choice labels (translated too), nested specs, and decimals (formatted for
the reader's locale). A list of specs (or plain strings a person typed) renders as one paragraph,
its parts joined by spaces.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import translation
from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext

Spec = dict[str, Any]


def text(source: str | Promise, /, **params: Any) -> Spec:
    """A text spec of ``source`` (the English string) with ``params`` (JSON-safe)."""
    return {"source": _source(source), "params": {name: _param(value) for name, value in params.items()}}


def render(spec: Spec | list[Spec | str] | None) -> str:
    """``spec`` in the active language. An unknown or broken spec renders as its source."""
    if not spec:
        return ""
    if isinstance(spec, list):  # parts: specs, or plain text written by a person
        return " ".join(part for part in (s if isinstance(s, str) else render(s) for s in spec) if part)
    source = str(spec.get("source", ""))
    params = {name: _render_param(value) for name, value in (spec.get("params") or {}).items()}
    if not params:
        return gettext(source) if source else ""
    try:
        return gettext(source) % params
    except (KeyError, TypeError, ValueError):  # a translation that lost a placeholder
        return source % params


def _source(source: str | Promise) -> str:
    if isinstance(source, Promise):
        with translation.override(None):  # no active catalogue: the untranslated source string
            return str(source)
    return str(source)


def _param(value: Any) -> Any:
    if isinstance(value, Promise):
        return {"text": text(value)}
    if isinstance(value, dict) and "source" in value:
        return {"text": value}
    if isinstance(value, Decimal):
        return {"decimal": str(value)}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _render_param(value: Any) -> Any:
    if isinstance(value, dict):
        if "text" in value:
            return render(value["text"])
        if "decimal" in value:
            try:
                return number_format(Decimal(value["decimal"]), use_l10n=True)
            except (InvalidOperation, TypeError, ValueError):
                return str(value["decimal"])
    return value
