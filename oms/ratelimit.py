"""Fixed-window rate limits kept in the Django cache (Redis when ``REDIS_URL`` is set, so every
web process counts the same hits; per-process memory otherwise).

A limit is a scope (what is limited, e.g. ``"portal-lookup-address"``), a key inside it (a client
address, an order number) and ``limit`` hits per ``window`` seconds::

    if not ratelimit.hit("portal-lookup-address", client_address(request), limit=10, window=60):
        ...  # answer 429

Keys are hashed, so an order number or an address never appears in the cache as written. When
the cache cannot be reached the hit is allowed and a warning logged: a Redis outage must not lock
every customer out (the limits slow guessing down; they are not the only guard).
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

logger = logging.getLogger(__name__)


def _cache_key(scope: str, key: str, window: int, now: float) -> str:
    digest = hashlib.sha256(f"{scope}\x00{key}".encode()).hexdigest()[:32]
    prefix = getattr(settings, "RATELIMIT_KEY_PREFIX", "")
    return f"ratelimit:{prefix}{scope}:{digest}:{int(now // window)}"


def hit(scope: str, key: str, *, limit: int, window: int) -> bool:
    """Count one hit of ``key`` in ``scope``; False when this hit is over ``limit`` for the window."""
    if limit <= 0:
        return True
    cache_key = _cache_key(scope, key, window, time.time())
    try:
        cache.add(cache_key, 0, timeout=window + 1)
        count = cache.incr(cache_key)
    except Exception as exc:  # the cache (Redis) is away: count nothing, refuse nothing
        logger.warning("Rate limit %s unavailable: %s", scope, exc)
        return True
    return count <= limit


def retry_after(window: int) -> int:
    """Seconds until the current window of ``window`` seconds ends (for a Retry-After header)."""
    return max(1, window - int(time.time()) % window)


def client_address(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind ``RATELIMIT_PROXY_COUNT`` trusted proxies the
    address the outermost of them saw (X-Forwarded-For, counted from the right)."""
    proxies = getattr(settings, "RATELIMIT_PROXY_COUNT", 0)
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies][:100]
    return request.META.get("REMOTE_ADDR", "")[:100]
