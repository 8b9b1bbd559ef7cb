"""What each invoice state asks of the reader (``oms.badges``): amber waits for the customer's
money, green is settled, red is overdue, grey credited away."""

from __future__ import annotations

from billing.models import InvoiceState
from oms import badges
from oms.badges import StateGroup

G = StateGroup

INVOICE_STATE_GROUPS = {
    InvoiceState.DRAFT: G.PROGRESS,
    InvoiceState.ISSUED: G.WAITING,
    InvoiceState.PARTIALLY_PAID: G.WAITING,
    InvoiceState.PAID: G.DONE,
    InvoiceState.OVERDUE: G.PROBLEM,
    InvoiceState.CREDITED: G.CLOSED,
}


def register() -> None:
    """Called from ``BillingConfig.ready()``."""
    badges.register("invoice", INVOICE_STATE_GROUPS)
