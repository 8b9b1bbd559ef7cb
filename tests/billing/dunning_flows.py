"""Invoices issued on a given day through the real services (place, ship, issue), for the
receivables and dunning tests."""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import time_machine

from billing.models import Invoice
from billing.services.issuing import issue_invoice_for_shipment
from tests.billing.flows import place, ship

_skus = itertools.count(1)


def at(day: datetime.date, hour: int = 10) -> Any:
    """The clock stopped at ``hour`` o'clock UTC on ``day``."""
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(hour), tzinfo=datetime.UTC), tick=False)


def invoice_issued_on(day: datetime.date, *, price: str = "19.99", units: int = 2, **place_kwargs: Any) -> Invoice:
    """An order of ``units`` x one product, shipped and invoiced on ``day`` (due 14 days later)."""
    sku = f"AR-{next(_skus)}"
    with at(day):
        order = place({sku: (units, price)}, **place_kwargs)
        shipment = ship(order, {sku: units})
        return issue_invoice_for_shipment(shipment_id=shipment.pk)
