"""What a customer does in the portal (``/track/``): open a support case about the order, write
in it, and rate the delivered order. Each is one transaction; the caller has checked the link.

A case the customer opens lands in the support queue like any other (``opened_by_customer``);
the agents' replies are shown on the order's portal page and mailed to the customer
(``orders.services.cases.add_case_message``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from oms.exceptions import DomainError
from orders.error_codes import OrderErrorCode
from orders.models import CaseMessage, CaseState, Order, OrderRating, OrderState, SupportCase

SUBJECT_EXCERPT = 60


def _customer_label(order: Order) -> str:
    return (order.billing_name or order.customer.name)[:100]


def _require_text(body: str) -> str:
    body = body.strip()
    if not body:
        raise DomainError(_("A message cannot be empty."), code=OrderErrorCode.EMPTY_MESSAGE)
    return body


@transaction.atomic
def open_customer_case(*, order: Order, topic: str | Promise, message: str) -> SupportCase:
    """A case about ``order`` with the customer's first message, in the support queue at once.
    Its subject is the topic in the staff's language (``LANGUAGE_CODE``) and the message's start."""
    body = _require_text(message)
    with translation.override(settings.LANGUAGE_CODE):
        subject = f"{topic}: {' '.join(body.split())[:SUBJECT_EXCERPT]}"
    case = SupportCase.objects.create(
        order=order, customer=order.customer, subject=subject[:200], opened_by_customer=True
    )
    CaseMessage.objects.create(case=case, body=body, from_customer=True, author_label=_customer_label(order))
    return case


@transaction.atomic
def add_customer_message(*, case: SupportCase, body: str) -> CaseMessage:
    """The customer writes again in their case; a waiting or resolved case opens again for support."""
    body = _require_text(body)
    case = SupportCase.objects.select_for_update(of=("self",)).select_related("order__customer").get(pk=case.pk)
    message = CaseMessage.objects.create(
        case=case, body=body, from_customer=True, author_label=_customer_label(case.order)
    )
    if case.state != CaseState.OPEN:
        case.reopen()
    case.updated_at = timezone.now()
    case.save()
    return message


@transaction.atomic
def rate_order(*, order: Order, stars: int, comment: str) -> OrderRating:
    """The customer's one rating of a delivered order (1 to 5, with an optional comment)."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    if order.state not in (OrderState.DELIVERED, OrderState.COMPLETED):
        raise DomainError(_("You can rate your order once it has been delivered."), code=OrderErrorCode.NOT_DELIVERED)
    if OrderRating.objects.filter(order=order).exists():
        raise DomainError(_("You have rated this order already. Thank you!"), code=OrderErrorCode.ALREADY_RATED)
    if not 1 <= stars <= 5:
        raise DomainError(_("Choose a rating from 1 to 5."))
    return OrderRating.objects.create(order=order, stars=stars, comment=comment.strip())
