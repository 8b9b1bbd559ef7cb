"""API keys: creation, lookup and revocation. Keys look like ``oms_<prefix>.<secret>``; the
prefix finds the row, the secret is compared against a SHA-256 hash in constant time.

A keyed hash (HMAC with SECRET_KEY) is not needed: the secret has 256 bits of entropy, so a
plain SHA-256 of it cannot be brute-forced, and lookups stay one indexed query.

Active keys are kept per process by prefix (``oms.lookups``): a request with a known key reads no
row. Revoking (``revoke_api_key``, or saving ``revoked_at`` in the admin) takes effect at once in
the process that did it and within ``LOOKUP_CACHE_SECONDS`` (5 s) in every other one; the secret
is checked against the hash on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone

from oms.lookups import lookup_cache
from oms.models import ApiKey

PREFIX_LEN = 8
_active_keys = lookup_cache("api keys")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(*, channel_code: str, name: str) -> tuple[ApiKey, str]:
    """Create a key for ``channel_code``. Returns the row and the raw key, which is never stored."""
    prefix = secrets.token_hex(PREFIX_LEN // 2)
    secret = secrets.token_urlsafe(32)
    key = ApiKey.objects.create(name=name, channel_code=channel_code, prefix=prefix, hashed_key=_hash(secret))
    return key, f"oms_{prefix}.{secret}"


def key_for_raw(raw: str) -> ApiKey | None:
    """The active key matching ``raw``, or None. Never raises on malformed input."""
    if not raw.startswith("oms_") or "." not in raw:
        return None
    prefix, _, secret = raw[4:].partition(".")
    if len(prefix) != PREFIX_LEN or not secret:
        return None
    key = _active_keys.get(prefix, lambda: ApiKey.objects.filter(prefix=prefix, revoked_at__isnull=True).first())
    if key is None or not hmac.compare_digest(key.hashed_key, _hash(secret)):
        return None
    return key


def touch(key: ApiKey) -> None:
    """Record use at most once a minute, so a busy channel does not write on every request (per
    process: the cached key remembers when this process last wrote it)."""
    now = timezone.now()
    if key.last_used_at is None or (now - key.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now


def revoke_api_key(key: ApiKey) -> None:
    ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    _active_keys.forget(key.prefix)


@receiver([post_save, post_delete], sender=ApiKey, dispatch_uid="oms.api_keys.forget")
def _forget_changed_key(sender: type[ApiKey], instance: ApiKey, **kwargs: object) -> None:
    _active_keys.forget(instance.prefix)
