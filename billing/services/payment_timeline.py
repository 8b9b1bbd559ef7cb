"""The order timeline entries billing writes about money, one function per kind of entry (as
``orders.services.timeline`` does for the order's own). ``record_payment`` writes the booking
itself ("Capture of 20,00 EUR recorded."); these say where the money came from and why."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy

from oms.texts import Spec, text
from orders.models import EventKind, Order, OrderEvent
from orders.services.timeline import record_event


def payment_entered_by_hand(
    order: Order,
    *,
    amount: Decimal,
    method_label: Any,
    paid_on: datetime.date,
    reason: str,
    transaction_id: int,
    actor_label: str,
    user: Any,
) -> OrderEvent:
    return record_event(
        order,
        EventKind.PAYMENT,
        text(
            gettext_lazy(
                "Payment of %(amount)s %(currency)s entered by hand: %(method)s, paid on %(date)s. %(reason)s"
            ),
            amount=amount,
            currency=order.currency,
            method=method_label,
            date=paid_on.isoformat(),
            reason=reason,
        ),
        actor_label=actor_label,
        user=user,
        data={"transaction_id": transaction_id, "source": "manual", "paid_on": paid_on.isoformat()},
    )


def refund_made(
    order: Order,
    *,
    amount: Decimal,
    method_label: Any,
    reason: str,
    transaction_ids: list[int],
    actor_label: str,
    user: Any,
) -> OrderEvent:
    return record_event(
        order,
        EventKind.PAYMENT,
        text(
            gettext_lazy("Refund of %(amount)s %(currency)s through %(method)s. %(reason)s"),
            amount=amount,
            currency=order.currency,
            method=method_label,
            reason=reason,
        ),
        actor_label=actor_label,
        user=user,
        data={"transaction_ids": transaction_ids, "source": "refund"},
    )


def cash_on_delivery_collected(
    order: Order, *, amount: Decimal, shipment_reference: str, transaction_id: int
) -> OrderEvent:
    return record_event(
        order,
        EventKind.PAYMENT,
        text(
            gettext_lazy("Cash on delivery: %(amount)s %(currency)s collected on delivery of %(reference)s."),
            amount=amount,
            currency=order.currency,
            reference=shipment_reference,
        ),
        actor_label="system",
        data={"transaction_id": transaction_id, "source": "cash_on_delivery"},
    )


def bank_transfer_received(
    order: Order,
    *,
    amount: Decimal,
    booking_date: datetime.date,
    counterparty: str,
    remittance: str,
    outcome: Spec | str,
    line_id: int,
    actor_label: str,
    user: Any,
) -> OrderEvent:
    return record_event(
        order,
        EventKind.PAYMENT,
        text(
            gettext_lazy(
                "Bank transfer of %(amount)s %(currency)s from %(payer)s (%(date)s): “%(remittance)s”. %(outcome)s"
            ),
            amount=amount,
            currency=order.currency,
            payer=counterparty or "?",
            date=booking_date.isoformat(),
            remittance=remittance,
            outcome=outcome,
        ),
        actor_label=actor_label,
        user=user,
        data={"bank_line_id": line_id, "source": "bank"},
    )
