"""Property: for random orders (line and order discounts, two VAT rates, shipping) shipped in
parts with units cancelled in between and returns afterwards, the invoices minus the credit notes
are what the customer owes for what they kept, to the cent (nothing after a full withdrawal), and
no invoice, VAT row or credit note is negative."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import pytest
import time_machine
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from billing.models import CreditNote, CreditNoteLine, Invoice, InvoiceLine, InvoiceVatRow
from billing.services.crediting import credit_cancelled_units, credit_returned_units
from billing.services.issuing import issue_invoice_for_shipment
from oms.money import ZERO
from orders.models import OrderState
from orders.services.cancellation import cancel_order_lines
from tests.billing.flows import place, ship

pytestmark = pytest.mark.django_db

_tags = itertools.count(1)
_line = st.tuples(
    st.sampled_from(["19.00", "7.00"]),
    st.integers(1, 4),  # quantity
    st.integers(1, 9999),  # unit price in cents
    st.integers(0, 40),  # line discount, percent of the line
    st.integers(0, 4),  # units in the first shipment
    st.integers(0, 4),  # units cancelled after it
)


def _sum(queryset, field: str = "total") -> Decimal:
    return queryset.aggregate(s=Sum(field))["s"] or ZERO


def _owed_by_invoices(order) -> Decimal:
    return _sum(Invoice.objects.filter(order=order)) - _sum(CreditNote.objects.filter(order=order))


def _nothing_negative(order) -> None:
    for invoice in Invoice.objects.filter(order=order):
        assert invoice.total >= 0 and invoice.amount_credited <= invoice.total
        for row in InvoiceVatRow.objects.filter(invoice=invoice):
            credited = (
                invoice.credit_notes.filter(vat_rows__vat_rate=row.vat_rate).aggregate(g=Sum("vat_rows__gross"))["g"]
                or ZERO
            )
            assert row.gross - credited >= 0, (invoice.number, row.vat_rate)
    assert all(note.total > 0 for note in CreditNote.objects.filter(order=order))


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    lines=st.lists(_line, min_size=1, max_size=3),
    shipping_cents=st.integers(0, 990),
    discount_third=st.integers(0, 33),
    returned_pct=st.sampled_from([0, 50, 100]),
)
def test_invoiced_minus_credited_is_what_the_customer_owes_for_what_they_kept(
    lines, shipping_cents, discount_third, returned_pct
):
    tag = next(_tags)
    spec, vat_rates, plan = {}, {}, {}
    subtotal = ZERO
    for i, (rate, quantity, cents, discount_pct, first, cancel) in enumerate(lines):
        sku = f"P{tag}-{i}"
        price = Decimal(cents) / 100
        discount = (price * quantity * discount_pct / 100).quantize(Decimal("0.01"))
        spec[sku] = (quantity, str(price), str(discount))
        vat_rates[sku] = rate
        first = min(first, quantity)
        plan[sku] = (first, min(cancel, quantity - first))
        subtotal += price * quantity - discount
    order_discount = (subtotal * discount_third / 100).quantize(Decimal("0.01"))
    with time_machine.travel(datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC), tick=False):
        order = place(
            spec,
            shipping=str(Decimal(shipping_cents) / 100),
            discount=str(order_discount),
            vat_rates=vat_rates,
        )
        by_sku = {line.sku: line for line in order.lines.all()}
        first = {sku: units for sku, (units, _c) in plan.items() if units}
        if first:
            issue_invoice_for_shipment(shipment_id=ship(order, first).pk)
        cancel = {by_sku[sku].pk: units for sku, (_f, units) in plan.items() if units}
        if cancel:
            cancel_order_lines(order=order, quantities=cancel, reason="Teilstorno")
            credit_cancelled_units(order_id=order.pk)  # as the subscriber to order.lines_cancelled does
        order.refresh_from_db()
        rest = {line.sku: line.quantity_open for line in order.lines.all() if line.quantity_open}
        if rest and order.state != OrderState.CANCELLED:
            issue_invoice_for_shipment(shipment_id=ship(order, rest).pk)
            credit_cancelled_units(order_id=order.pk)  # as the subscriber to shipment.shipped does
        order.refresh_from_db()

        kept_owes = ZERO if order.state == OrderState.CANCELLED else order.total
        assert _owed_by_invoices(order) == kept_owes
        _nothing_negative(order)

        # Returns: part of what was kept comes back, then the rest as a full withdrawal.
        kept = _kept_units(order)
        if returned_pct and any(kept.values()):
            part = {pk: units * returned_pct // 100 for pk, units in kept.items() if units * returned_pct // 100}
            if part:
                credit_returned_units(order_id=order.pk, units=part, source=f"return:{tag}:1")
                owed = _owed_by_invoices(order)
                assert ZERO <= owed <= kept_owes
                _nothing_negative(order)
            rest = {pk: units for pk, units in _kept_units(order).items() if units}
            credit_returned_units(order_id=order.pk, units=rest, source=f"return:{tag}:2", shipping=True)
            assert _owed_by_invoices(order) == ZERO
            _nothing_negative(order)


def _kept_units(order) -> dict[int, int]:
    """{order line id: units invoiced and not credited}."""
    kept: dict[int, int] = {}
    for line in InvoiceLine.objects.filter(invoice__order=order, order_line__isnull=False):
        kept[line.order_line_id] = kept.get(line.order_line_id, 0) + line.quantity
    for line in CreditNoteLine.objects.filter(credit_note__order=order, invoice_line__order_line__isnull=False):
        kept[line.invoice_line.order_line_id] -= line.quantity
    return kept
