"""The signature scheme of both Shopify and WooCommerce: base64(HMAC-SHA256(secret, raw body))."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac


def compute_signature(secret: str, raw_body: bytes) -> str:
    """base64(HMAC-SHA256(secret, raw body)), as the shop puts it in its signature header."""
    digest = hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_signature(secret: str, raw_body: bytes, header_value: str | None) -> bool:
    """True when ``header_value`` is the signature of ``raw_body``; compared in constant time.

    Compares the decoded digests, so a header with other base64 padding or stray spaces does not
    matter, and an empty secret never verifies anything.
    """
    if not secret or not header_value:
        return False
    try:
        given = base64.b64decode(header_value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    expected = hmac.new(secret.encode(), raw_body, hashlib.sha256).digest()
    return hmac.compare_digest(given, expected)
