"""Money that moves outside a PSP: bank transfers, cash, card terminals. A refund through it is
an instruction to pay the amount back by bank transfer; booking it records that we owe it no more."""

from __future__ import annotations

import hashlib

from billing.providers.base import PaymentProvider, RefundRequest, RefundResult


class ManualProvider(PaymentProvider):
    code = "manual"
    label = "Manual"
    refunds_through_original_method = False

    def refund(self, request: RefundRequest) -> RefundResult:
        digest = hashlib.sha256(request.idempotency_key.encode()).hexdigest()[:24]
        return RefundResult(reference=f"refund-{digest}")
