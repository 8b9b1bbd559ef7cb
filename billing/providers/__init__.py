"""Payment providers (``base.PaymentProvider``), by the code their transactions carry.

``provider_for(code)`` is the provider that refunds a capture booked with ``provider=code``;
money captured by anything else (a shop channel at intake, cash) is refunded by bank transfer
through ``manual``. Tests may swap a provider with ``register``.
"""

from __future__ import annotations

from billing.providers.base import PaymentProvider, ProviderError, RefundRequest, RefundResult
from billing.providers.manual import ManualProvider
from billing.providers.stripe import StripeProvider

__all__ = ["PaymentProvider", "ProviderError", "RefundRequest", "RefundResult", "provider_for", "register"]

_providers: dict[str, PaymentProvider] = {}


def register(provider: PaymentProvider) -> None:
    _providers[provider.code] = provider


def provider_for(code: str) -> PaymentProvider:
    """The provider that refunds money captured with ``code``: itself when it can, else ``manual``."""
    provider = _providers.get(code)
    if provider is None or not provider.refunds_through_original_method:
        return _providers[ManualProvider.code]
    return provider


register(ManualProvider())
register(StripeProvider())
