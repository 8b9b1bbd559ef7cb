"""Billing's reactions to other apps' events (registered in ``BillingConfig.ready()``). Each is
re-derived by a sweep from the data (``billing.tasks``), so a lost event delays, never loses."""

from __future__ import annotations

from typing import Any

from billing.models import IssueOn
from billing.services.issuing import issue_invoice_for_order, issue_invoice_for_shipment, issue_on
from billing.services.settlement import settle_order
from orders.models import Order


def invoice_shipment(payload: dict[str, Any]) -> None:
    """``shipment.shipped``: invoice what the shipment carried."""
    issue_invoice_for_shipment(shipment_id=payload["shipment_id"])


def invoice_confirmed_order(payload: dict[str, Any]) -> None:
    """``order.confirmed``: invoice the whole order when its channel invoices at confirmation."""
    order = Order.objects.select_related("channel").get(pk=payload["order_id"])
    if issue_on(order) == IssueOn.CONFIRMATION:
        issue_invoice_for_order(order_id=order.pk)


def settle_payments(payload: dict[str, Any]) -> None:
    """``order.payment_recorded`` / ``order.payment_refunded``: apply the money to the invoices."""
    settle_order(order_id=payload["order_id"])
