"""Support cases: open a case about an order, write in its thread, move it between open/waiting/resolved."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from oms.exceptions import DomainError, IllegalTransitionError
from orders.error_codes import OrderErrorCode
from orders.models import CaseMessage, CaseState, Order, SupportCase
from orders.services import notifications

# The transitions an agent may trigger from the case page, by URL verb.
CASE_ACTIONS = ("wait_for_customer", "resolve", "reopen")


def _actor(user: Any) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


@transaction.atomic
def open_case(*, order: Order, subject: str, message: str, user: Any) -> SupportCase:
    """Open a case about ``order`` (and its customer) with the agent's first message."""
    case = SupportCase.objects.create(order=order, customer=order.customer, subject=subject.strip(), opened_by=user)
    CaseMessage.objects.create(case=case, body=message.strip(), author=user, author_label=_actor(user))
    return case


@transaction.atomic
def add_case_message(*, case: SupportCase, body: str, user: Any) -> CaseMessage:
    """An agent's reply; a reply to a resolved case reopens it, so it is never lost. A reply to a
    case the customer opened in the portal is mailed to them (in this transaction, via the outbox)."""
    case = SupportCase.objects.select_for_update().get(pk=case.pk)
    if not body.strip():
        raise DomainError(_("A message cannot be empty."), code=OrderErrorCode.EMPTY_MESSAGE)
    message = CaseMessage.objects.create(case=case, body=body.strip(), author=user, author_label=_actor(user))
    notifications.send_case_reply(message)
    if case.state == CaseState.RESOLVED:
        case.reopen()
    case.updated_at = timezone.now()  # the queue sorts by last activity
    case.save()
    return message


@transaction.atomic
def change_case_state(*, case: SupportCase, action: str, user: Any) -> SupportCase:
    """Run one of ``CASE_ACTIONS`` and return the changed case; an action the case's state does
    not allow raises ``IllegalTransitionError`` and changes nothing."""
    locked = SupportCase.objects.select_for_update().get(pk=case.pk)
    method = getattr(locked, action, None) if action in CASE_ACTIONS else None
    if method is None or not can_proceed(method):
        raise IllegalTransitionError(obj=_("the case"), action=action, state=locked.get_state_display())
    method()
    locked.updated_at = timezone.now()
    locked.save()
    return locked


def open_review_case(*, order: Order, subject: str, message: str, author_label: str = "system") -> SupportCase:
    """A case the system opens for staff to check something about ``order`` (an order intake
    held); its message is internal, never shown to the customer. Assumes a transaction."""
    case = SupportCase.objects.create(order=order, customer=order.customer, subject=subject.strip()[:200])
    CaseMessage.objects.create(case=case, body=message.strip(), author_label=author_label[:100], internal=True)
    return case
