"""Doubts about an order a channel has already taken from its customer: what intake must not
refuse (the shop has the customer's money, a refusal loses the order) but a person should check
before the order ships. Examples: an address the carrier will refuse (a German postcode that is
not five digits), text that could not be stored as sent, a total that differs from the shop's.

An order with doubts is taken in and put on hold: each reason on its timeline, and a case in the
support queue so someone looks at it. Releasing the hold is the ordinary ``unhold_order``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from orders.countries import is_deliverable_postcode, postcode_example
from orders.models import Order
from orders.services.cases import open_review_case
from orders.services.lifecycle import hold_order

REASON_LENGTH = 255  # Order.hold_reason


def address_doubts(*, country: str, postcode: str) -> list[str]:
    """Why a carrier would refuse to ship to this address, as reasons for a hold (empty: none)."""
    country = (country or "").strip().upper()
    if is_deliverable_postcode(country, postcode or ""):
        return []
    return [
        _("The postcode “%(postcode)s” is not a valid %(country)s postcode (such as %(example)s).")
        % {"postcode": (postcode or "").strip()[:20], "country": country, "example": postcode_example(country)}
    ]


def hold_for_review(*, order: Order, doubts: Sequence[str], actor_label: str = "system", user: Any = None) -> Order:
    """Put ``order`` on hold with ``doubts`` as the reason and open a support case listing them.
    Inside the caller's transaction; returns the held order."""
    reasons = list(dict.fromkeys(d.strip() for d in doubts if d and d.strip()))
    reason = "; ".join(reasons)
    if len(reason) > REASON_LENGTH:
        reason = reason[: REASON_LENGTH - 1].rstrip() + "…"
    held = hold_order(order=order, reason=reason, actor_label=actor_label, user=user)
    open_review_case(
        order=held,
        subject=_("Order %(number)s on hold: please check before it ships") % {"number": held.number},
        message="\n".join(f"- {r}" for r in reasons),
        author_label=actor_label,
    )
    return held
