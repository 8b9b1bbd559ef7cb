"""Replacement orders: the items of an exchange (``returns.services.resolution``) or of a claim's
free re-shipment (``returns.services.claims``) sent as a new order of the same customer, to the
same address, at zero price, linked to the order it replaces. This is the one way a linked
replacement order is made.

``place_replacement_order`` builds an ordinary draft (``orders.services.drafts``) and places it
through ``intake.place_order``, so the replacement is validated, confirmed (payment terms:
nothing to pay), allocated or backordered and fulfilled like any order. ``reference`` is its
external id: asking again with the same reference returns the order already placed. An unknown
SKU is an ``OrderValidationError`` naming it, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy

from oms.texts import text
from orders.models import EventKind, Order
from orders.services import timeline
from orders.services.drafts import AddressDraft, CustomerDraft, LineDraft, OrderDraft
from orders.services.intake import place_order


def _draft(original: Order, items: Mapping[str, int], reference: str) -> OrderDraft:
    customer = original.customer
    return OrderDraft(
        customer=CustomerDraft(
            email=original.email or customer.email,
            name=customer.name,
            phone=customer.phone,
            language=customer.language,
            company=customer.company,
            vat_id=customer.vat_id,
        ),
        billing_address=AddressDraft(
            name=original.billing_name,
            street=original.billing_street,
            line2=original.billing_line2,
            postcode=original.billing_postcode,
            city=original.billing_city,
            country=original.billing_country,
            company=original.billing_company,
            phone=original.billing_phone,
        ),
        shipping_address=AddressDraft(
            name=original.shipping_name,
            street=original.shipping_street,
            line2=original.shipping_line2,
            postcode=original.shipping_postcode,
            city=original.shipping_city,
            country=original.shipping_country,
            company=original.shipping_company,
            phone=original.shipping_phone,
        ),
        lines=[LineDraft(sku=sku, quantity=quantity, unit_price=Decimal(0)) for sku, quantity in items.items()],
        currency=original.currency,
        payment_method="invoice",
        # Nothing to pay: confirmed on the channel's invoice terms, or, on a channel without them,
        # as settled (a zero total writes no capture), so the replacement is never left waiting.
        payment_captured=not original.channel.has_terms("invoice"),
        external_id=reference,
    )


@transaction.atomic
def place_replacement_order(
    original: Order, items: Mapping[str, int], *, reference: str, actor_label: str = "system", user: Any = None
) -> Order:
    """A zero-price order of ``items`` ({sku: units}) for ``original``'s customer, linked to it
    (``Order.replacement_for``) and on both orders' timelines. Raises ``OrderValidationError``
    (nothing written) for an unknown SKU or a bad quantity."""
    existing = Order.objects.filter(channel=original.channel, external_id=reference).first()
    if existing is not None:
        return existing
    result = place_order(
        channel=original.channel, draft=_draft(original, items, reference), actor_label=actor_label, user=user
    )
    order = result.order
    Order.objects.filter(pk=order.pk).update(replacement_for=original)
    order.replacement_for = original
    timeline.record_event(
        order,
        EventKind.OTHER,
        text(
            gettext_lazy("Replacement for order %(number)s (%(reference)s)."),
            number=original.number,
            reference=reference,
        ),
        actor_label=actor_label,
        user=user,
        data={"replacement_for": original.pk},
    )
    timeline.record_event(
        original,
        EventKind.OTHER,
        text(
            gettext_lazy("Replacement order %(number)s placed (%(reference)s)."),
            number=order.number,
            reference=reference,
        ),
        actor_label=actor_label,
        user=user,
        data={"replacement_order": order.pk},
    )
    return order
