"""The support order page: everything it shows, loaded in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db.models import prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from oms.money import format_rate
from oms.texts import render
from orders.models import (
    Allocation,
    Customer,
    EventKind,
    Note,
    Order,
    OrderEvent,
    OrderLine,
    OrderState,
    PaymentTransaction,
    SupportCase,
)
from orders.routing import explain
from orders.selectors.backorders import ExpectedStock, expected_stock_for_order
from orders.selectors.money import order_money_summary

# The FSM transitions an agent may trigger from the order page.
AGENT_TRANSITIONS = frozenset({"hold", "unhold", "cancel"})


ADDRESS_FIELDS = ("name", "company", "street", "line2", "postcode", "city", "country", "phone")


@dataclass
class OrderDetail:
    """Everything the support order page shows, loaded in a fixed number of queries."""

    order: Order
    lines: list[OrderLine]
    timeline: list[OrderEvent]
    notes: list[Note]
    payments: list[PaymentTransaction]
    cases: list[SupportCase]
    actions: frozenset[str]
    money_rows: list[tuple[str, Decimal]]
    routing: list[OrderEvent]
    warehouses: list[str]
    routing_explanation: str = ""
    tags: list[Any] = field(default_factory=list)
    # Backordered lines and the purchase order expected to cover them (``backorders``).
    expected_stock: list[ExpectedStock] = field(default_factory=list)

    @property
    def customer(self) -> Customer:
        return self.order.customer

    @property
    def customer_name(self) -> str:
        return self.order.customer.name

    @property
    def customer_phone(self) -> str:
        return self.order.customer.phone or self.order.shipping_phone

    @property
    def customer_company(self) -> str:
        return self.order.customer.company

    @property
    def hold_reason(self) -> str:
        return self.order.hold_reason if self.order.state == OrderState.ON_HOLD else ""

    @property
    def shipping_address(self) -> dict[str, str]:
        return {f: getattr(self.order, f"shipping_{f}") for f in ADDRESS_FIELDS}

    @property
    def billing_address(self) -> dict[str, str]:
        return {f: getattr(self.order, f"billing_{f}") for f in ADDRESS_FIELDS}

    @property
    def shipping_address_initial(self) -> dict[str, str]:
        return self.shipping_address

    @property
    def can_edit_address(self) -> bool:
        return self.order.is_editable

    @cached_property
    def can_cancel_lines(self) -> bool:
        return self.order.is_editable and bool(self.cancellable_lines)

    @cached_property
    def editable_lines(self) -> list[OrderLine]:
        """Lines whose quantities an agent may change (before release to the warehouse)."""
        return self.lines if self.order.is_editable else []

    @cached_property
    def cancellable_lines(self) -> list[OrderLine]:
        if not self.order.is_editable:
            return []
        return [line for line in self.lines if line.quantity_open > 0]


def order_for_support_or_404(*, number: str) -> Order:
    if "\x00" in number:  # PostgreSQL refuses NUL in text: no order has such a number
        raise Http404
    return get_object_or_404(Order.objects.select_related("customer", "channel", "replacement_for"), number=number)


def _money_rows(order: Order, payments: list[PaymentTransaction]) -> list[tuple[str, Decimal]]:
    """The stored totals, then the domain's money summary (derived from payment, refund, invoice
    and credit-note rows; never a hand-kept number)."""
    summary = order_money_summary(order, payments=payments)
    rows: list[tuple[str, Decimal]] = [(_("Subtotal"), order.subtotal)]
    if order.discount_total:
        rows.append((_("Discount"), -order.discount_total))
    rows.append((_("Shipping"), order.shipping_total))
    if order.tip_total:
        rows.append((_("Tip"), order.tip_total))
    if order.gift_card_total:
        rows.append((_("Gift cards"), order.gift_card_total))
    for rate, parts in sorted((order.vat_breakdown or {}).items()):
        vat = parts.get("vat") if isinstance(parts, dict) else parts
        rows.append((_("VAT %(rate)s %%") % {"rate": format_rate(rate)}, Decimal(str(vat or "0"))))
    rows += [(_("Total"), order.total), (_("Charged"), summary.charged), (_("Refunded"), summary.refunded)]
    if summary.invoiced or summary.credited:
        rows += [(_("Invoiced"), summary.invoiced), (_("Credited"), summary.credited)]
    rows.append((_("Owed"), summary.owed))
    return rows


def order_detail_for_support_or_404(*, number: str) -> OrderDetail:
    """The order page's data: 8 queries (10 when backordered) whatever the number of lines, events,
    notes or payments."""
    order = order_for_support_or_404(number=number)
    # Lines and payments are kept on the order (its prefetch cache), so the panels of other apps
    # that read them (returns, billing) use ``order.lines.all()`` without reading them again.
    prefetch_related_objects([order], "lines", "payment_transactions")
    lines = list(order.lines.all())
    timeline = list(order.events.select_related("actor").order_by("-created_at", "-pk"))
    for event in timeline:
        # Routing decisions keep their reason code: say it again in the reader's language.
        if event.kind in (EventKind.ROUTING, EventKind.BACKORDER) and (event.data or {}).get("code"):
            event.message = explain(event.data) or event.message
        elif (event.data or {}).get("text"):  # written as a text spec: in the reader's language
            event.message = render(event.data["text"])
    notes = list(order.notes.all())
    payments = list(order.payment_transactions.all())
    cases = list(order.cases.order_by("-updated_at", "-pk"))
    actions = frozenset(t.name for t in order.get_available_state_transitions()) & AGENT_TRANSITIONS
    # The warehouses named by the order's allocations (one query; no allocation rows built).
    warehouses = sorted(
        set(Allocation.objects.filter(order_line__order=order).values_list("warehouse__name", flat=True))
    )
    routing = [e for e in timeline if e.kind == EventKind.ROUTING][:3]
    return OrderDetail(
        order=order,
        lines=lines,
        timeline=timeline,
        notes=notes,
        payments=payments,
        cases=cases,
        actions=actions,
        money_rows=_money_rows(order, payments),
        routing_explanation=explain(order.routing) if order.routing else "",
        routing=routing,
        warehouses=warehouses,
        tags=list(order.tags.all()),
        expected_stock=expected_stock_for_order(order=order, lines=lines),
    )


def notes_for_order(*, order: Order) -> list[Note]:
    return list(order.notes.all())
