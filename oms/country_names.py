"""Country names in the reader's language, from the ISO code an address stores (Babel's CLDR data)."""

from __future__ import annotations

import functools

from babel import Locale, UnknownLocaleError


@functools.cache
def _territories(language: str | None) -> dict[str, str]:
    try:
        return dict(Locale.parse((language or "en").replace("-", "_")).territories)
    except (UnknownLocaleError, ValueError):
        return {}


def country_name_in(code: str, language: str | None) -> str:
    """``"DE"`` as ``Deutschland`` in German and ``Germany`` in English; an unknown code as it is."""
    return _territories(language).get(str(code).upper(), code) if code else ""
