"""The withdrawal function (§ 356a BGB): a customer withdraws from the contract in the portal.

``declare_withdrawal`` is one transaction under the order's row lock: it checks the withdrawal
period and the chosen items (``returns.policy.withdrawal_policy``), cancels the units not yet
shipped (``orders.services.cancellation``) and pays back what the customer paid for them
(``billing.services.refunds``), asks back the units already shipped, on their way or delivered,
with one return request (``create_return``, the same service as every other return), opens a
case in support's queue, stores the declaration as it was confirmed with the moment we received
it (``Withdrawal``, immutable), writes the order's timeline and enqueues the acknowledgement mail
(date, time and content of the declaration: a durable medium). ``withdrawal.declared`` is
published after commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.services.crediting import credit_cancelled_units
from billing.services.refunds import refund_payment, refundable_amount
from oms.events import publish
from oms.exceptions import DomainError
from oms.mail import enqueue_mail, mail_language
from oms.money import ZERO
from oms.texts import text
from orders import locks
from orders.models import EventKind, Order
from orders.selectors.money import order_money_summary
from orders.services.cancellation import cancel_order_lines
from orders.services.portal import open_customer_case
from orders.services.timeline import record_event
from returns.error_codes import ReturnErrorCode
from returns.exceptions import ReturnError
from returns.models import ReturnReason, Withdrawal
from returns.policy import WithdrawableLine, withdrawal_policy
from returns.services.requests import create_return, returnable_quantities

ACTOR = "portal"
ACKNOWLEDGEMENT = "withdrawal_acknowledgement"


@dataclass(frozen=True)
class DeclaredItem:
    line_id: int
    sku: str
    name: str
    quantity: int


def declared_items(policy_lines: Iterable[WithdrawableLine], line_ids: Iterable[int] | None) -> list[DeclaredItem]:
    """The items a declaration covers: the chosen lines, or (none chosen) every withdrawable one.
    ``ReturnError`` for a line that cannot be withdrawn (another order's, excluded, all gone)."""
    withdrawable = {w.line.pk: w for w in policy_lines if w.units > 0}
    chosen = sorted({int(pk) for pk in line_ids or ()})
    if any(pk not in withdrawable for pk in chosen):
        raise ReturnError(
            _("One of the chosen items cannot be withdrawn from."),
            code=ReturnErrorCode.NOT_WITHDRAWABLE,
            data={"field": "items"},
        )
    picked = [withdrawable[pk] for pk in chosen] if chosen else list(withdrawable.values())
    return [DeclaredItem(w.line.pk, w.line.sku, w.line.name, w.units) for w in picked]


def declaration_text(*, order: Order, name: str, items: list[DeclaredItem], whole_order: bool, at: object) -> str:
    """The declaration in the active language, after the model withdrawal form (Anlage 2 EGBGB)."""
    local = timezone.localtime(at)  # type: ignore[arg-type]
    lines = [
        _("To: %(channel)s") % {"channel": order.channel.name},
        "",
        _("I hereby withdraw from the contract concluded by me for the purchase of the following goods:")
        if not whole_order
        else _("I hereby withdraw from the contract concluded by me for the purchase of all goods of this order:"),
        *[f"- {item.quantity} x {item.name} ({item.sku})" for item in items],
        "",
        _("Order number: %(number)s") % {"number": order.number},
        _("Ordered on: %(date)s") % {"date": date_format(timezone.localtime(order.placed_at), "DATE_FORMAT")},
        _("Name of the consumer: %(name)s") % {"name": name},
        _("Declared on %(date)s at %(time)s")
        % {"date": date_format(local, "DATE_FORMAT"), "time": f"{local:%H:%M:%S}"},
    ]
    return "\n".join(lines)


def _require_name(name: str) -> str:
    name = " ".join((name or "").split())[:200]
    if not name:
        raise ReturnError(
            _("Enter your name as given in the order."), code=ReturnErrorCode.NAME_REQUIRED, data={"field": "name"}
        )
    return name


def _require_order(order: Order, number: str) -> None:
    if (number or "").strip().upper() != order.number.upper():
        raise ReturnError(
            _("Enter the number of this order (%(number)s).") % {"number": order.number},
            code=ReturnErrorCode.ORDER_MISMATCH,
            data={"field": "order_number"},
        )


def check_withdrawal(
    order: Order, *, name: str, order_number: str, line_ids: Iterable[int] | None
) -> list[DeclaredItem]:
    """The first step's checks (nothing written): the items the declaration would cover."""
    _require_name(name)
    _require_order(order, order_number)
    policy = withdrawal_policy(order, today=timezone.localdate(), returnable=returnable_quantities(order))
    if not policy.is_open:
        raise ReturnError(policy.why_not, code=ReturnErrorCode.WITHDRAWAL_CLOSED)
    return declared_items(policy.lines, line_ids)


def _refund_cancelled(order: Order) -> Decimal:
    """Pay back at once what the customer paid beyond what they now owe. A refund the provider
    refuses does not undo the withdrawal: it stays for support (the case says so)."""
    credit_cancelled_units(order_id=order.pk, actor_label=ACTOR)
    overpaid = -order_money_summary(locks.lock_order(order_id=order.pk)).owed
    amount = min(overpaid, refundable_amount(order))
    if amount <= 0:
        return ZERO
    try:
        with transaction.atomic():
            refund_payment(
                order=order, amount=amount, reason=str(gettext_lazy("Withdrawal from the contract")), actor_label=ACTOR
            )
    except DomainError:
        return ZERO
    return amount


@transaction.atomic
def declare_withdrawal(
    order: Order, *, name: str, order_number: str, line_ids: Iterable[int] | None = None
) -> Withdrawal:
    """The customer's withdrawal from ``order`` (the portal's second step, "Confirm withdrawal").

    ``line_ids``: the order lines the customer chose; none: the whole order. Raises ``ReturnError``
    (nothing written) after the period, for a missing name, another order's number or an item
    that cannot be withdrawn from."""
    name = _require_name(name)
    _require_order(order, order_number)
    order = locks.lock_order(order_id=order.pk)
    now = timezone.now()
    policy = withdrawal_policy(order, today=timezone.localdate(now), returnable=returnable_quantities(order))
    if not policy.is_open:
        raise ReturnError(policy.why_not, code=ReturnErrorCode.WITHDRAWAL_CLOSED)
    chosen = sorted({int(pk) for pk in line_ids or ()})
    items = declared_items(policy.lines, chosen)
    whole_order = not chosen or len(items) == len(policy.withdrawable)
    by_line = {w.line.pk: w for w in policy.lines}
    cancel = {i.line_id: by_line[i.line_id].unshipped for i in items if by_line[i.line_id].unshipped}
    back = {i.line_id: by_line[i.line_id].shipped for i in items if by_line[i.line_id].shipped}
    language = mail_language(translation.get_language())
    with translation.override(language):
        declaration = declaration_text(order=order, name=name, items=items, whole_order=whole_order, at=now)
        reason = _("Withdrawal from the contract")

    refunded = ZERO
    if cancel:
        cancel_order_lines(order=order, quantities=cancel, reason=reason, actor_label=ACTOR)
        refunded = _refund_cancelled(order)
    request = None
    if back:
        request = create_return(
            locks.lock_order(order_id=order.pk), back, ReturnReason.WITHDRAWAL, by=None, actor_label=ACTOR
        )
    order = locks.lock_order(order_id=order.pk)
    case = open_customer_case(order=order, topic=gettext_lazy("Withdrawal from the contract"), message=declaration)
    withdrawal = Withdrawal.objects.create(
        order=order,
        declared_at=now,
        name=name,
        email=order.email,
        language=language,
        whole_order=whole_order,
        items=[{"line_id": i.line_id, "sku": i.sku, "name": i.name, "quantity": i.quantity} for i in items],
        text=declaration,
        cancelled={str(k): v for k, v in cancel.items()},
        returned={str(k): v for k, v in back.items()},
        return_request=request,
        refunded=refunded,
        currency=order.currency,
        case_id=case.pk,
    )
    record_event(
        order,
        EventKind.RETURN,
        text(
            gettext_lazy("Withdrawal from the contract declared by %(name)s in the portal: %(items)s."),
            name=name,
            items=", ".join(f"{i.quantity} x {i.sku}" for i in items),
        ),
        actor_label=ACTOR,
        data={"withdrawal_id": withdrawal.pk, "case_id": case.pk, "return_id": request.pk if request else None},
    )
    if order.email:
        enqueue_mail(ACKNOWLEDGEMENT, subject_id=str(withdrawal.pk), to=order.email, language=language)
    publish("withdrawal.declared", {"withdrawal_id": withdrawal.pk, "order_id": order.pk})
    return withdrawal
