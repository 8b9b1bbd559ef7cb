"""Row locks of the orders app. Orders are always locked in primary-key order, and before any
stock level (inventory locks those in pk order too), so two services never deadlock."""

from __future__ import annotations

from django.db.models import QuerySet

from orders.models import Order, OrderLine


def lock_order(*, order_id: int) -> Order:
    """``SELECT ... FOR UPDATE`` the order row and return a fresh instance. Needs a transaction.

    Only the order's row: without ``of`` PostgreSQL would lock the joined channel row too, and
    every order of that channel would wait for this one."""
    return Order.objects.select_for_update(of=("self",)).select_related("channel").get(pk=order_id)


def lines_for_update(*, order: Order) -> QuerySet[OrderLine]:
    """The order's lines, locked (call after ``lock_order``)."""
    return OrderLine.objects.select_for_update().filter(order=order).order_by("position", "pk")
