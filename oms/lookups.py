"""Rows every API request reads and people change rarely (API keys, sales channels), kept in the
process for a few seconds so a busy channel's requests do not read them again each time.

A change made through the ORM (save, delete, ``revoke_api_key``) forgets the entry in the process
that made it at once (post_save/post_delete receivers, and again after commit so no request
re-reads the old row in between); every other process stops using its copy within
``LOOKUP_CACHE_SECONDS`` (settings, default 5). Nothing absent is kept: an unknown key or channel
is read again on every request, so a new one works at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from django.conf import settings
from django.db import transaction

T = TypeVar("T")


class LookupCache(Generic[T]):
    """A per-process map from a lookup key to a row, each entry kept ``LOOKUP_CACHE_SECONDS``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._entries: dict[Hashable, tuple[float, T]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, load: Callable[[], T | None]) -> T | None:
        """The cached row for ``key``, or ``load()``'s answer (kept when it is not None)."""
        now = time.time()
        entry = self._entries.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        value = load()
        if value is not None:
            with self._lock:
                self._entries[key] = (now + settings.LOOKUP_CACHE_SECONDS, value)
        return value

    def forget(self, key: Hashable) -> None:
        """Drop ``key`` now and once more when the current transaction commits."""
        self._drop(key)
        transaction.on_commit(lambda: self._drop(key))

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def _drop(self, key: Hashable) -> None:
        with self._lock:
            self._entries.pop(key, None)


_caches: list[LookupCache] = []


def lookup_cache(name: str) -> LookupCache:
    """A new named cache, cleared with the others by ``clear_all``."""
    cache: LookupCache = LookupCache(name)
    _caches.append(cache)
    return cache


def clear_all() -> None:
    """Forget every cached row in this process (tests start each from the database)."""
    for cache in _caches:
        cache.clear()
