"""Billing's reactions to other apps' events (registered in ``BillingConfig.ready()``). Each is
re-derived by a sweep from the data (``billing.tasks``), so a lost event delays, never loses."""

from __future__ import annotations

from typing import Any

from billing.models import Invoice, IssueOn
from billing.services.crediting import credit_cancelled_units
from billing.services.issuing import cached_issue_on, issue_invoice_for_order, issue_invoice_for_shipment, issue_on
from billing.services.return_refunds import credit_and_refund_return
from billing.services.settlement import settle_order
from orders.models import Order


def invoice_shipment(payload: dict[str, Any]) -> None:
    """``shipment.shipped``: invoice what the shipment carried; if units cancelled earlier left more
    discount than the last invoice could take, credit the earlier invoices for it."""
    invoice = issue_invoice_for_shipment(shipment_id=payload["shipment_id"])
    if invoice is not None and invoice.is_final:
        credit_cancelled_units(order_id=invoice.order_id)


def invoice_confirmed_order(payload: dict[str, Any]) -> None:
    """``order.confirmed``: invoice the whole order when its channel invoices at confirmation.

    Most channels invoice on shipment: that is answered from the process's cache without a query
    (a setting changed a moment ago in another process is caught by the sweep)."""
    channel_id = payload.get("channel_id")
    if channel_id is not None and cached_issue_on(channel_id=channel_id) != IssueOn.CONFIRMATION:
        return
    order = Order.objects.select_related("channel").get(pk=payload["order_id"])
    if issue_on(order) == IssueOn.CONFIRMATION:
        issue_invoice_for_order(order_id=order.pk)


def settle_payments(payload: dict[str, Any]) -> None:
    """``order.payment_recorded`` / ``order.payment_refunded``: apply the money to the invoices."""
    settle_order(order_id=payload["order_id"])


def credit_cancellation(payload: dict[str, Any]) -> None:
    """``order.cancelled`` / ``order.lines_cancelled``: credit units invoiced before they were cancelled
    (one cheap query for the usual order that has no invoice yet)."""
    if Invoice.objects.filter(order_id=payload["order_id"]).exists():
        credit_cancelled_units(order_id=payload["order_id"])


def credit_return(payload: dict[str, Any]) -> None:
    """``return.inspected``: credit and refund what the warehouse accepted (nothing accepted, or
    an exchange: nothing to pay back). A lost event is caught by returns' sweep."""
    if payload.get("resolution", "refund") != "refund" or not payload.get("units"):
        return
    credit_and_refund_return(
        order_id=payload["order_id"],
        return_id=payload["return_id"],
        number=payload["number"],
        units={int(k): int(v) for k, v in payload["units"].items()},
        full_withdrawal=bool(payload.get("full_withdrawal")),
    )
