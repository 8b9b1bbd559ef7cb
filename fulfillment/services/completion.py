"""Completing orders: a delivered order becomes ``completed`` once its return window has passed.

Who and when: fulfillment, in a nightly task (``complete_delivered_orders_task``), for orders
delivered at least ``ORDER_COMPLETION_DAYS`` (30) days ago. Not at delivery: the customer's
right of withdrawal runs 14 days from receipt (§ 355 BGB), and a parcel sent back on the last
day still needs to arrive; ``completed`` tells reporting and billing that the order will not
change any more. Returns do not move an order back (ARCHITECTURE.md): a return opened later
still has its own lifecycle beside the completed order.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings

from oms.exceptions import DomainError
from orders.models import Order, OrderState
from orders.services.lifecycle import complete_order

logger = logging.getLogger(__name__)
BATCH = 500


def complete_delivered_orders(*, now: datetime.datetime, limit: int = BATCH) -> int:
    """Complete up to ``limit`` orders delivered ``ORDER_COMPLETION_DAYS`` before ``now``; returns
    how many. Each order in its own transaction (``complete_order``), so one refusal stops no other."""
    cutoff = now - datetime.timedelta(days=settings.ORDER_COMPLETION_DAYS)
    due = list(
        Order.objects.filter(state=OrderState.DELIVERED, delivered_at__lte=cutoff)
        .order_by("delivered_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for order in Order.objects.filter(pk__in=due).order_by("pk"):
        try:
            complete_order(order=order, actor_label="fulfillment:return-window")
        except DomainError as exc:  # changed since it was read: the next run looks again
            logger.info("Order %s not completed: %s", order.number, exc)
            continue
        done += 1
    return done
