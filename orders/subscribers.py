"""Reactions of the orders app to other apps' domain events (registered in ``OrdersConfig.ready``).
They run after the publishing transaction committed; each opens its own transactions."""

from __future__ import annotations

import logging
from typing import Any

from django.utils.translation import gettext_lazy
from kombu.exceptions import OperationalError as KombuOperationalError

from oms.exceptions import DomainError
from oms.texts import text
from orders.models import Order, OrderLine, OrderState
from orders.services.lifecycle import confirm_order
from orders.tasks import allocate_backorders_task

logger = logging.getLogger(__name__)


def allocate_backorders_on_receipt(payload: dict[str, Any]) -> None:
    """``stock.received``: {"product_ids": [...], "warehouse_id": ..., "reference": ...}."""
    _queue_backorder_allocation([int(p) for p in payload.get("product_ids") or []])


def allocate_backorders_on_release(payload: dict[str, Any]) -> None:
    """``order.cancelled`` / ``order.lines_cancelled``: {"released": {line id: units}, ...}.

    Units an order gave back are available again, like received stock: backordered orders that
    need those products try to allocate (oldest first)."""
    line_ids = [int(line_id) for line_id, units in (payload.get("released") or {}).items() if units]
    if not line_ids:
        return
    product_ids = list(OrderLine.objects.filter(pk__in=line_ids).values_list("product_id", flat=True).distinct())
    _queue_backorder_allocation(product_ids)


def allocate_backorders_on_edit(payload: dict[str, Any]) -> None:
    """``order.edited``: {"released_product_ids": [...], ...}: the edit gave back reserved units
    of these products (it re-reserves what the edited order still needs first)."""
    _queue_backorder_allocation([int(p) for p in payload.get("released_product_ids") or []])


def _queue_backorder_allocation(product_ids: list[int]) -> None:
    """Allocating backorders can touch many orders: a worker does it, not the request that
    received or released the stock (eager mode runs it here). With the broker away the
    backorder sweep (beat) allocates them a few minutes later."""
    if not product_ids:
        return
    try:
        allocate_backorders_task.delay(product_ids)
    except KombuOperationalError as exc:
        logger.warning("Backorder allocation for %s not queued (%s); the sweep will do it", product_ids, exc)


def confirm_on_payment(payload: dict[str, Any]) -> None:
    """``payment.captured``: {"order_id": ..., ...} confirms the order if it is still pending."""
    order_id = payload.get("order_id")
    if not order_id:
        return
    order = Order.objects.filter(pk=order_id, state=OrderState.PENDING).first()
    if order is None:
        return
    try:
        confirm_order(order=order, reason=text(gettext_lazy("Payment captured.")), actor_label="system:payment")
    except DomainError:
        logger.info("Order %s could not be confirmed on payment (state changed)", order_id)
