"""Text matching for the support screens' searches: a query as typed made safe, its words, and
the every-word-contains filter the trigram index serves on PostgreSQL."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import BooleanField, F, Func, Q, Value

MAX_QUERY_WORDS = 6


MAX_QUERY_LENGTH = 200


class _ILike(Func):
    """``<column> ILIKE <pattern>``: PostgreSQL's trigram GIN index serves it (Django's
    ``icontains`` writes ``UPPER(col) LIKE UPPER(...)``, which that index cannot use)."""

    arg_joiner = " ILIKE "
    template = "%(expressions)s"
    output_field = BooleanField()


def _like_escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains_all_words(column: str, words: Sequence[str]) -> list[Any]:
    """Filter arguments (for ``.filter(*args)``) that require every word in ``column``, using
    the trigram index on PostgreSQL."""
    if connection.vendor == "postgresql":
        return [_ILike(F(column), Value(f"%{_like_escape(w)}%")) for w in words]
    return [Q(**{f"{column}__icontains": w}) for w in words]


def clean_query(q: str | None) -> str:
    """A search as typed, safe for every database: NUL characters (PostgreSQL refuses them in
    text) dropped, surrounding space stripped, at most ``MAX_QUERY_LENGTH`` characters."""
    return (q or "").replace("\x00", "").strip()[:MAX_QUERY_LENGTH]


def query_words(q: str) -> list[str]:
    """The words of a search, lower-cased, at most ``MAX_QUERY_WORDS`` (more only slow it down)."""
    return [w for w in clean_query(q).lower().split() if w][:MAX_QUERY_WORDS]
