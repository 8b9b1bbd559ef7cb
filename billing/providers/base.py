"""The one interface every payment provider implements.

A payment provider is the edge of the world: the PSP's refund API and its webhooks. Billing's
services talk only to this interface, so a new provider is one subclass registered in
``billing.providers``; tests use the offline implementations behind the same interface.

- ``refund(request)``: pay ``request.amount`` of the capture ``request.capture_reference`` back
  to the customer through the method it was paid with. Must be idempotent for
  ``request.idempotency_key``: a live API is given it as its idempotency key, so a repeat (a
  retry after a crash between the call and our commit) returns the refund already made, with
  the same reference, and ``record_payment`` books it once.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class RefundRequest:
    order_number: str
    amount: Decimal
    currency: str
    capture_reference: str  # the provider's id of the capture paid back (a Stripe PaymentIntent)
    idempotency_key: str
    reason: str = ""


@dataclass(frozen=True)
class RefundResult:
    """The provider's answer: its id of the refund (``re_...`` at Stripe)."""

    reference: str


class ProviderError(Exception):
    """The provider refused or could not be reached; ``str`` says why (nothing was booked)."""


class PaymentProvider(ABC):
    """One payment provider. Subclasses set ``code`` (the ``PaymentTransaction.provider`` of
    their rows and the key in ``billing.providers``) and ``label``."""

    code: str = ""
    label: str = ""
    # False: money paid this way cannot be sent back through the same way (a shop that captured
    # it, cash): its refunds go out by bank transfer (``manual``).
    refunds_through_original_method: bool = True

    @abstractmethod
    def refund(self, request: RefundRequest) -> RefundResult: ...
