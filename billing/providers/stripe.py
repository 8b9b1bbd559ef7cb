"""Stripe: the webhook signature scheme and refunds.

Signature (https://docs.stripe.com/webhooks#verify-manually): the ``Stripe-Signature`` header is
``t=<unix time>,v1=<hex>[,v1=<hex>...][,v0=...]``; each ``v1`` is HMAC-SHA256 with the endpoint's
secret over ``"<t>.<raw body>"``. A delivery is authentic when one ``v1`` matches (compared in
constant time; several appear while a secret is being rolled) and ``t`` is within the tolerance
of now (300 s by default), so a captured delivery cannot be replayed later.

Refunds: the live Refunds API cannot be reached from here, so ``StripeProvider`` takes a
``refunds`` client behind one method; ``OfflineStripeRefunds`` answers as Stripe does with an
idempotency key (the same key, the same ``re_`` id), which is what the tests use.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from decimal import Decimal
from typing import Protocol

from billing.providers.base import PaymentProvider, RefundRequest, RefundResult

DEFAULT_TOLERANCE_SECONDS = 300


def compute_signature(secret: str, timestamp: int, raw_body: bytes) -> str:
    """The ``v1`` value of ``raw_body`` signed at ``timestamp``."""
    signed = str(timestamp).encode() + b"." + raw_body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, raw_body: bytes, *, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header as Stripe sends it (for tests and local tools)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return f"t={timestamp},v1={compute_signature(secret, timestamp, raw_body)}"


def verify_signature(
    secret: str,
    raw_body: bytes,
    header: str | None,
    *,
    now: float | None = None,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """True when ``header`` signs ``raw_body`` with ``secret`` at a time within ``tolerance``
    seconds of ``now``. An empty secret verifies nothing; a header that cannot be read is False."""
    if not secret or not header:
        return False
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            if not value.isdigit() or len(value) > 12:
                return False
            timestamp = int(value)
        elif key == "v1":
            signatures.append(value.strip())
    if timestamp is None or not signatures:
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        return False
    expected = compute_signature(secret, timestamp, raw_body)
    # Every candidate is compared, so the time taken does not tell which one matched.
    matches = [hmac.compare_digest(expected.encode(), s.encode()) for s in signatures]
    return any(matches)


class StripeRefunds(Protocol):
    def create(self, *, payment_intent: str, amount_minor: int, currency: str, idempotency_key: str) -> str:
        """Create the refund; return Stripe's refund id (``re_...``)."""
        ...


class OfflineStripeRefunds:
    """Stripe's Refunds API as far as we use it, without the network: the same idempotency key
    gives the same refund id."""

    def create(self, *, payment_intent: str, amount_minor: int, currency: str, idempotency_key: str) -> str:
        digest = hashlib.sha256(f"{payment_intent}:{idempotency_key}".encode()).hexdigest()[:24]
        return f"re_offline_{digest}"


def to_minor_units(amount: object) -> int:
    """Cents of a Decimal amount (EUR and every currency we sell in have two decimals)."""
    return int((Decimal(str(amount)) * 100).to_integral_value())


class StripeProvider(PaymentProvider):
    code = "stripe"
    label = "Stripe"

    def __init__(self, refunds: StripeRefunds | None = None):
        self.refunds = refunds or OfflineStripeRefunds()

    def refund(self, request: RefundRequest) -> RefundResult:
        reference = self.refunds.create(
            payment_intent=request.capture_reference,
            amount_minor=to_minor_units(request.amount),
            currency=request.currency.lower(),
            idempotency_key=request.idempotency_key,
        )
        return RefundResult(reference=reference)
