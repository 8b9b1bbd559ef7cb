"""Reads of the customer portal (``/track/``): finding an order by its number and the customer's
e-mail or postcode, and what the order page shows a customer.

The lookup answers a wrong e-mail exactly as it answers an order number that does not exist: one
query by number either way, the secrets compared as keyed digests of equal length with
``constant_time_compare`` against the order's values or against stand-ins when there is no such
order, so neither the answer nor its time tells whether the number exists.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Min, Prefetch
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext_lazy as _

from oms import panels
from orders.models import CaseMessage, Order, OrderRating, OrderState, PaymentState, SupportCase, TransactionKind

MAX_NUMBER_LENGTH = 40
# What is left of a postcode for comparison: letters and digits, upper case ("sw1a 1aa" = "SW1A1AA").
_POSTCODE_NOISE = re.compile(r"[^0-9A-Z]")
# Stand-ins compared when there is no order (never equal to a digest of real input: other domain).
_ABSENT = "\x00absent\x00"


def normalise_number(value: str) -> str:
    return "".join(value.split()).upper()[:MAX_NUMBER_LENGTH]


def _digest(kind: str, value: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"portal-lookup:{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _email_key(value: str) -> str:
    return value.strip().lower()


def _postcode_key(value: str) -> str:
    return _POSTCODE_NOISE.sub("", value.upper())


def find_order_id(*, number: str, secret: str) -> int | None:
    """The id of the order numbered ``number`` whose e-mail (or shipping or billing postcode, when
    ``PORTAL_LOOKUP_BY_POSTCODE``) is ``secret``; None otherwise, after the same work."""
    row = (
        Order.objects.filter(number=normalise_number(number))
        .values_list("pk", "email", "shipping_postcode", "billing_postcode")
        .first()
    )
    pk, email, shipping_postcode, billing_postcode = row if row is not None else (None, _ABSENT, _ABSENT, _ABSENT)
    given_email = _digest("email", _email_key(secret))
    given_pc = _digest("postcode", _postcode_key(secret))
    # Every comparison runs every time (no short circuit): the time is the same whichever matches.
    email_ok = constant_time_compare(_digest("email", _email_key(email) or _ABSENT), given_email)
    shipping_ok = constant_time_compare(_digest("postcode", _postcode_key(shipping_postcode) or _ABSENT), given_pc)
    billing_ok = constant_time_compare(_digest("postcode", _postcode_key(billing_postcode) or _ABSENT), given_pc)
    postcode_ok = (shipping_ok | billing_ok) and settings.PORTAL_LOOKUP_BY_POSTCODE and "@" not in secret
    if pk is not None and (email_ok or postcode_ok):
        return pk
    return None


def portal_order(order_id: int) -> Order | None:
    """The order a valid link opens, with what its page needs (its lines, its channel)."""
    return Order.objects.select_related("channel", "customer").filter(pk=order_id).first()


# -- the status timeline, written for customers ---------------------------------------------------


@dataclass(frozen=True)
class Step:
    key: str
    label: Any
    at: datetime.datetime | None
    done: bool
    current: bool = False


STEPS = (
    ("received", _("Order received")),
    ("paid", _("Payment received")),
    ("packing", _("Being packed")),
    ("shipped", _("Shipped")),
    ("out_for_delivery", _("Out for delivery")),
    ("delivered", _("Delivered")),
)
PAID_STATES = (PaymentState.PAID, PaymentState.PARTIALLY_REFUNDED, PaymentState.REFUNDED)
# The step an order's state has certainly reached (a later step's date may come from a shipment).
REACHED_BY_STATE = {
    OrderState.IN_FULFILLMENT: "packing",
    OrderState.PARTIALLY_SHIPPED: "shipped",
    OrderState.SHIPPED: "shipped",
    OrderState.DELIVERED: "delivered",
    OrderState.COMPLETED: "delivered",
}


def status_timeline(order: Order) -> list[Step]:
    """Received, paid, being packed, shipped, out for delivery, delivered, each with its date when
    known; steps before the furthest one reached count as done (an invoice order is paid later)."""
    first_capture = order.payment_transactions.filter(kind=TransactionKind.CAPTURE).aggregate(at=Min("created_at"))
    dates: dict[str, Any] = {
        "received": order.placed_at,
        "paid": first_capture["at"] or (order.confirmed_at if order.payment_state in PAID_STATES else None),
        "packing": order.released_at,
        "shipped": order.shipped_at,
        "delivered": order.delivered_at,
    }
    for step, when in panels.customer_milestones(order=order).items():
        dates.setdefault(step, None)
        dates[step] = dates[step] or when
    keys = [key for key, _label in STEPS]
    reached = {key for key in keys if dates.get(key) and key != "paid"}
    if order.state in REACHED_BY_STATE:
        reached.add(REACHED_BY_STATE[order.state])
    furthest = max((keys.index(key) for key in reached), default=0)
    paid = bool(dates.get("paid")) or order.payment_state in PAID_STATES
    steps = []
    for index, (key, label) in enumerate(STEPS):
        # Payment is its own matter: an order on invoice ships first and is paid later.
        done = paid if key == "paid" else index <= furthest
        steps.append(Step(key=key, label=label, at=dates.get(key), done=done, current=index == furthest))
    return steps


# -- support cases the customer opened --------------------------------------------------------------


def customer_cases(order: Order) -> list[SupportCase]:
    """The cases the customer opened about ``order``, each with the messages the customer may see
    (``visible_messages``: never an internal one), newest case first."""
    visible = CaseMessage.objects.filter(internal=False).order_by("created_at", "pk")
    return list(
        SupportCase.objects.filter(order=order, opened_by_customer=True)
        .prefetch_related(Prefetch("messages", queryset=visible, to_attr="visible_messages"))
        .order_by("-created_at", "-pk")
    )


def may_rate(order: Order) -> bool:
    """A customer rates an order once it is delivered (and not yet rated)."""
    delivered = order.state in (OrderState.DELIVERED, OrderState.COMPLETED)
    return delivered and not OrderRating.objects.filter(order=order).exists()
