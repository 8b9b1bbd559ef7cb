"""What each state of an order, its payment and a support case asks of the reader (``oms.badges``)."""

from __future__ import annotations

from oms import badges
from oms.badges import StateGroup
from orders.models import CaseState, OrderState, PaymentState

G = StateGroup

ORDER_STATE_GROUPS = {
    OrderState.PENDING: G.WAITING,
    OrderState.ON_HOLD: G.WAITING,
    OrderState.BACKORDERED: G.PROBLEM,
    OrderState.CONFIRMED: G.PROGRESS,
    OrderState.ALLOCATED: G.PROGRESS,
    OrderState.IN_FULFILLMENT: G.PROGRESS,
    OrderState.PARTIALLY_SHIPPED: G.PROGRESS,
    OrderState.SHIPPED: G.DONE,
    OrderState.DELIVERED: G.DONE,
    OrderState.COMPLETED: G.DONE,
    OrderState.CANCELLED: G.CLOSED,
}

PAYMENT_STATE_GROUPS = {
    PaymentState.UNPAID: G.WAITING,
    PaymentState.AUTHORIZED: G.PROGRESS,
    PaymentState.PAID: G.DONE,
    PaymentState.PARTIALLY_REFUNDED: G.DONE,
    PaymentState.REFUNDED: G.CLOSED,
}

CASE_STATE_GROUPS = {
    CaseState.OPEN: G.WAITING,
    CaseState.WAITING: G.PROGRESS,
    CaseState.RESOLVED: G.DONE,
}


def register() -> None:
    """Called from ``OrdersConfig.ready()``."""
    badges.register("order", ORDER_STATE_GROUPS)
    badges.register("payment", PAYMENT_STATE_GROUPS)
    badges.register("case", CASE_STATE_GROUPS)
