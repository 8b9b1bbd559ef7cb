"""Money back for a return: the credit note for the units the warehouse accepted and the refund.

Returns publishes ``return.inspected`` with what it accepted ({order line id: units}) and whether
the return completes a full withdrawal; ``credit_and_refund_return`` (billing's subscriber, and
returns' own resolution and sweep) credits those units on the invoices that billed them, plus
the outbound shipping on a full withdrawal (§357(2) BGB), and refunds the credited amount (at
most what was captured and not yet refunded) through ``refund_payment``. Both steps are keyed by
the return (``source`` / ``token`` ``return:<id>``), so calling again credits and refunds nothing
twice. Publishes ``return.credited`` after commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from billing.models import CreditNote
from billing.services.crediting import credit_returned_units
from billing.services.refunds import refund_payment, refundable_amount
from oms.events import publish
from oms.money import ZERO
from orders import locks
from orders.models import PaymentTransaction, TransactionKind


@dataclass(frozen=True)
class ReturnCredit:
    credit_notes: list[CreditNote]
    credited: Decimal
    refunded: Decimal


def _source(return_id: int) -> str:
    return f"return:{return_id}"


@transaction.atomic
def credit_and_refund_return(
    *,
    order_id: int,
    return_id: int,
    number: str,
    units: dict[int, int],
    full_withdrawal: bool,
    actor_label: str = "system",
    user: Any = None,
) -> ReturnCredit:
    """Credit ``units`` ({order line id: units accepted}) of return ``number`` and pay the credited
    amount back. Raises ``CreditNoteError`` (nothing written) for units never invoiced."""
    source = _source(return_id)
    order = locks.lock_order(order_id=order_id)
    notes = credit_returned_units(
        order_id=order_id,
        units={int(k): int(v) for k, v in units.items() if int(v) > 0},
        source=source,
        shipping=full_withdrawal,
        reason_text=number,
        actor_label=actor_label,
        user=user,
    )
    credited = sum((note.total for note in notes), ZERO)
    done = list(PaymentTransaction.objects.filter(order=order, kind=TransactionKind.REFUND, data__token=source))
    if done:
        refunded = sum((tx.amount for tx in done), ZERO)
    else:
        amount = min(credited, refundable_amount(order))
        refunded = ZERO
        if amount > 0:
            outcome = refund_payment(
                order=order,
                amount=amount,
                reason=_("Return %(number)s") % {"number": number},
                token=source,
                credit_note_id=notes[0].pk if notes else None,
                actor_label=actor_label,
                user=user,
            )
            refunded = outcome.amount
    publish(
        "return.credited",
        {
            "return_id": return_id,
            "order_id": order_id,
            "credit_note_ids": [note.pk for note in notes],
            "credited": str(credited),
            "refunded": str(refunded),
        },
    )
    return ReturnCredit(notes, credited, refunded)
