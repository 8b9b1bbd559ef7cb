"""Orders for the billing tests, placed through intake, and payments booked through the one
write path (``record_payment``), as a PSP's webhook would book them."""

from __future__ import annotations

import dataclasses
import datetime
import itertools
from decimal import Decimal
from typing import Any

from billing.models import Invoice, InvoiceTrigger
from orders.models import Order, TransactionKind
from orders.services.intake import place_order
from orders.services.payments import record_payment
from tests.reliability import ordering

_numbers = itertools.count(1)


def placed_order(*, units: int = 2, price: str = "19.99", payment_method: str = "invoice", **draft: Any) -> Order:
    """An order of ``units`` x one product at ``price`` plus 4.90 shipping (total 44.88 by default)."""
    ordering.make_channel("web")
    sku = f"BILL-{next(_numbers)}"
    ordering.make_product(sku, units=units + 5, price=price)
    base = ordering.order_draft({sku: units}, payment_method=payment_method, price=price)
    order = place_order(channel=ordering.make_channel("web"), draft=dataclasses.replace(base, **draft)).order
    return Order.objects.get(pk=order.pk)


def capture(order: Order, amount: str | Decimal, *, provider: str = "stripe", reference: str = "") -> Any:
    """A capture as the provider's webhook books it."""
    reference = reference or (f"pi_test_{next(_numbers)}" if provider == "stripe" else "")
    return record_payment(
        order=order,
        kind=TransactionKind.CAPTURE,
        amount=Decimal(amount),
        provider=provider,
        provider_reference=reference,
    )


def issued_invoice(order: Order, total: str, *, number: str) -> Invoice:
    """An issued invoice of ``total`` for ``order``, built on the model (the issuing service is
    another part of billing): issued through its transition, with its number."""
    invoice = Invoice.objects.create(
        order=order,
        customer=order.customer,
        trigger=InvoiceTrigger.CONFIRMATION,
        invoice_date=datetime.date(2026, 12, 1),
        delivery_date=datetime.date(2026, 12, 1),
        due_date=datetime.date(2026, 12, 15),
        buyer_name=order.billing_name,
        buyer_street=order.billing_street,
        buyer_postcode=order.billing_postcode,
        buyer_city=order.billing_city,
        buyer_country=order.billing_country,
        vat_country="DE",
        currency=order.currency,
        price_mode="gross",
        total=Decimal(total),
    )
    invoice.issue(number=number)
    invoice.save()
    return invoice
