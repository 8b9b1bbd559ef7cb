"""Reads of the support desk: order search, the order page in a few queries, the case queue.

Search design (fast with a million orders on PostgreSQL):

1. *Exact matches* by indexed equality first: order number, external id (per channel), and by the
   shape of the query an e-mail (the order's e-mail or its customer's; both stored lower-case)
   or a postcode (the shipping postcode); then, for a SKU, the orders with a line of that
   product. When a step finds anything, the list is those orders, keyset-paged, and nothing else
   runs: an identifier names what the agent is looking for.
2. Otherwise (free text, a partial number or e-mail, a name, a phone number) *contains matches*
   on ``Order.search_text`` (number, external id, customer name, e-mail, phone, postcodes,
   cities, SKUs, later tracking/invoice/RMA numbers written by subscribers): every word of the
   query must occur. On PostgreSQL this is ``search_text ILIKE '%word%'``, served by the GIN
   trigram index; on SQLite a plain ``LIKE`` (case-insensitive for ASCII).
3. Keyset pages (``oms.paging``) on ``(created_at, id)`` newest first: the cost of page 100 equals
   the cost of page 1, and the query count never depends on the number of rows.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Count, F, Func, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inventory.availability import available_through
from inventory.models import Product
from oms.money import format_rate
from oms.paging import KeysetPage, keyset_page
from oms.texts import render
from orders.models import (
    EDITABLE_STATES,
    Allocation,
    CaseState,
    Channel,
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
from orders.models.imports import OrderImport
from orders.selectors import order_money_summary
from orders.services.routing import explain

PAGE_SIZE = 25
MAX_QUERY_WORDS = 6


# --- text matching ---------------------------------------------------------------------------------


class _ILike(Func):
    """``<column> ILIKE <pattern>``: PostgreSQL's trigram GIN index serves it (Django's
    ``icontains`` writes ``UPPER(col) LIKE UPPER(...)``, which that index cannot use)."""

    arg_joiner = " ILIKE "
    template = "%(expressions)s"
    output_field = BooleanField()


def _like_escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contains_all_words(column: str, words: Sequence[str]) -> list[Any]:
    """Filter arguments (for ``.filter(*args)``) that require every word in ``column``, using
    the trigram index on PostgreSQL."""
    if connection.vendor == "postgresql":
        return [_ILike(F(column), Value(f"%{_like_escape(w)}%")) for w in words]
    return [Q(**{f"{column}__icontains": w}) for w in words]


MAX_QUERY_LENGTH = 200


def clean_query(q: str | None) -> str:
    """A search as typed, safe for every database: NUL characters (PostgreSQL refuses them in
    text) dropped, surrounding space stripped, at most ``MAX_QUERY_LENGTH`` characters."""
    return (q or "").replace("\x00", "").strip()[:MAX_QUERY_LENGTH]


def query_words(q: str) -> list[str]:
    """The words of a search, lower-cased, at most ``MAX_QUERY_WORDS`` (more only slow it down)."""
    return [w for w in clean_query(q).lower().split() if w][:MAX_QUERY_WORDS]


# --- phone order entry -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductHit:
    """A product offered in manual order entry, with what the warehouses can still promise."""

    pk: int
    sku: str
    name: str
    gross_price: Decimal
    vat_rate: Decimal
    available: int


def products_for_order_entry(*, q: str, limit: int = 10) -> list[ProductHit]:
    """Active products whose SKU starts with, or whose name contains, every word of ``q``; one query.

    ``available`` sums inventory's availability over the active warehouses (what routing can allocate).
    """
    words = query_words(q)
    if not words:
        return []
    qs = Product.objects.filter(active=True)
    if len(words) == 1:
        qs = qs.filter(Q(sku__istartswith=words[0]) | Q(gtin=words[0]) | Q(name__icontains=words[0]))
    else:
        qs = qs.filter(*[Q(name__icontains=w) for w in words])
    rows = (
        qs.annotate(
            available=Coalesce(
                Sum(available_through("stock_levels"), filter=Q(stock_levels__warehouse__active=True)),
                0,
            )
        )
        .order_by("sku")
        .values("pk", "sku", "name", "gross_price", "vat_rate", "available")[:limit]
    )
    return [ProductHit(**row) for row in rows]


def availability_by_sku(skus: Sequence[str]) -> dict[str, int]:
    """Units available across active warehouses per SKU (one query); unknown SKUs are absent."""
    if not skus:
        return {}
    rows = (
        Product.objects.filter(sku__in=list(skus))
        .annotate(
            available=Coalesce(
                Sum(available_through("stock_levels"), filter=Q(stock_levels__warehouse__active=True)),
                0,
            )
        )
        .values_list("sku", "available")
    )
    return dict(rows)


# --- order search ----------------------------------------------------------------------------------


@dataclass
class SearchResult:
    page: KeysetPage
    exact: bool = False  # the page lists exact matches of an identifier (step 1 above)


def order_state_choices() -> list[tuple[str, Any]]:
    return list(OrderState.choices)


def channel_choices() -> list[tuple[str, str]]:
    return list(Channel.objects.order_by("name").values_list("code", "name"))


def channel_by_code(code: str) -> Channel:
    return Channel.objects.get(code=code)


# Newest first, served by the (created_at, id) index and its per-channel and per-state variants.
ORDER_LIST_ORDER = ("-created_at", "-pk")
# What a row of the order list shows besides the order (joined to the rows of the page only).
ORDER_ROW_RELATED = ("customer", "channel")


# A postcode as typed: 3 to 10 letters, digits, spaces or hyphens with at least one digit
# (10115, 1010, SW1A 1AA, 1012 AB, 00-950).
_POSTCODE = re.compile(r"^(?=.*\d)[0-9A-Za-z][0-9A-Za-z -]{1,8}[0-9A-Za-z]$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _exact_match(q: str) -> Q:
    """Indexed equality arms for ``q`` as an identifier (see the module docstring, step 1)."""
    # The external id is unique per channel (index on (channel, external_id)): naming the
    # channels lets that index serve a lookup across all of them.
    channel_ids = list(Channel.objects.order_by().values_list("pk", flat=True))
    cond = Q(number__in={q, q.upper()}) | Q(channel_id__in=channel_ids, external_id=q)
    if _EMAIL.match(q):
        email = q.lower()
        customer_ids = list(Customer.objects.filter(email=email).values_list("pk", flat=True))
        cond |= Q(email=email) | Q(customer_id__in=customer_ids)
    if _POSTCODE.match(q):
        cond |= Q(shipping_postcode__in={q, q.upper()})
    return cond


def orders_for_support(
    *, q: str = "", state: str = "", channel: str = "", after: str | None = None, before: str | None = None
) -> SearchResult:
    """The support search (see the module docstring): at most six queries whatever the row count."""
    qs = Order.objects.all()
    if state:
        qs = qs.filter(state=state)
    if channel:
        # The channel's id as a subquery the planner evaluates first: it then walks the
        # (channel, created_at, id) index newest first instead of filtering the newest orders.
        qs = qs.filter(channel_id=Subquery(Channel.objects.filter(code=channel).values("pk")[:1]))
    paging: dict[str, Any] = {
        "order_by": ORDER_LIST_ORDER,
        "after": after,
        "before": before,
        "params": {"q": q, "state": state, "channel": channel},
        "size": PAGE_SIZE,
        "related": ORDER_ROW_RELATED,
    }
    q = clean_query(q)
    if not q:
        return SearchResult(page=keyset_page(qs, **paging))
    lookups = [qs.filter(_exact_match(q))]
    if not any(c.isspace() for c in q):
        # The orders with a line of the product of that SKU, through the (product, order) index
        # of the lines. A query of its own: under an OR PostgreSQL would test every order newest
        # first against the lines, a scan of the whole table for a rarely sold product.
        lines = OrderLine.objects.filter(product__sku__in={q, q.upper()}).values("order_id")
        lookups.append(qs.filter(pk__in=lines))
    for exact in lookups:
        page = keyset_page(exact, **paging)
        # A later page of exact matches is still one when it comes back empty (a stale cursor).
        if page.rows or ((after or before) and exact.exists()):
            return SearchResult(page=page, exact=True)
    fuzzy = qs.filter(*contains_all_words("search_text", query_words(q)))
    return SearchResult(page=keyset_page(fuzzy, **paging))


# --- the order page --------------------------------------------------------------------------------

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
        return self.order.state in EDITABLE_STATES

    @cached_property
    def can_cancel_lines(self) -> bool:
        return self.order.state in EDITABLE_STATES and bool(self.cancellable_lines)

    @cached_property
    def editable_lines(self) -> list[OrderLine]:
        """Lines whose quantities an agent may change (before release to the warehouse)."""
        return self.lines if self.order.state in EDITABLE_STATES else []

    @cached_property
    def cancellable_lines(self) -> list[OrderLine]:
        if self.order.state not in EDITABLE_STATES:
            return []
        return [line for line in self.lines if line.quantity_open > 0]


def order_for_support_or_404(*, number: str) -> Order:
    if "\x00" in number:  # PostgreSQL refuses NUL in text: no order has such a number
        raise Http404
    return get_object_or_404(Order.objects.select_related("customer", "channel"), number=number)


def _money_rows(order: Order) -> list[tuple[str, Decimal]]:
    """The stored totals, then the domain's money summary (derived from payment, refund, invoice
    and credit-note rows; never a hand-kept number)."""
    summary = order_money_summary(order)
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
    """The order page's data: 8 queries whatever the number of lines, events, notes or payments."""
    order = order_for_support_or_404(number=number)
    lines = list(order.lines.select_related(None))
    timeline = list(order.events.order_by("-created_at", "-pk"))
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
        money_rows=_money_rows(order),
        routing_explanation=explain(order.routing) if order.routing else "",
        routing=routing,
        warehouses=warehouses,
        tags=list(order.tags.all()),
    )


def notes_for_order(*, order: Order) -> list[Note]:
    return list(order.notes.all())


# --- support cases ---------------------------------------------------------------------------------


def case_state_choices() -> list[tuple[str, Any]]:
    return list(CaseState.choices)


def case_queue(*, state: str = "", q: str = "", after: str | None = None, before: str | None = None) -> KeysetPage:
    """Cases with the latest activity first (a reply or state change bumps ``updated_at``, the
    keyset column, served by ``orders_case_queue_idx``); open and waiting by default."""
    qs = SupportCase.objects.select_related("order", "customer")
    if state == "all":
        pass
    elif state:
        qs = qs.filter(state=state)
    else:
        qs = qs.filter(state__in=[CaseState.OPEN, CaseState.WAITING])
    q = clean_query(q)
    if q:
        qs = qs.filter(
            Q(subject__icontains=q)
            | Q(order__number=q)
            | Q(customer__email=q.lower())
            | Q(pk=int(q) if q.isascii() and q.isdigit() and len(q) <= 18 else 0)
        )
    return keyset_page(
        qs,
        order_by=("-updated_at", "-pk"),
        after=after,
        before=before,
        params={"state": state, "q": q},
        size=PAGE_SIZE,
    )


def case_counts() -> dict[str, int]:
    """Open and waiting cases, for the support home (one query)."""
    rows = (
        SupportCase.objects.filter(state__in=[CaseState.OPEN, CaseState.WAITING])
        .values("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )
    counts = dict(rows)
    return {"open_cases": counts.get(CaseState.OPEN, 0), "waiting_cases": counts.get(CaseState.WAITING, 0)}


def case_for_support_or_404(*, pk: int) -> SupportCase:
    return get_object_or_404(SupportCase.objects.select_related("order", "customer"), pk=pk)


CASE_ACTION_LABELS = {
    "wait_for_customer": gettext_lazy("Waiting for customer"),
    "resolve": gettext_lazy("Resolve"),
    "reopen": gettext_lazy("Reopen"),
}


def case_thread(*, case: SupportCase) -> dict[str, Any]:
    """The messages (one query, authors joined) and the state buttons the case allows."""
    case_messages = []
    for message in case.messages.select_related("author"):
        author = message.author_label or (
            (message.author.get_full_name() or message.author.get_username()) if message.author else ""
        )
        message.author_name = author or (_("Customer") if message.from_customer else _("Support"))
        case_messages.append(message)
    available = {t.name for t in case.get_available_state_transitions()}
    actions = [(name, label) for name, label in CASE_ACTION_LABELS.items() if name in available]
    return {"case_messages": case_messages, "case_actions": actions}


# --- customers for phone orders --------------------------------------------------------------------


def customers_for_order_entry(*, q: str, limit: int = 8) -> list[Customer]:
    """Customers by e-mail prefix, phone or name words (one query)."""
    q = clean_query(q)
    if len(q) < 2:
        return []
    words = query_words(q)
    cond = Q(email__istartswith=q.lower()) | Q(phone__icontains=q) | Q(*[Q(name__icontains=w) for w in words])
    return list(Customer.objects.filter(cond).order_by("name", "pk")[:limit])


def customer_entry_initial_or_404(*, pk: int) -> dict[str, dict[str, str]]:
    """The phone form's customer and address fields for a known customer (their last order's address)."""
    customer = get_object_or_404(Customer, pk=pk)
    last = customer.orders.order_by("-created_at", "-pk").first()
    address = {f: getattr(last, f"shipping_{f}") for f in ADDRESS_FIELDS} if last else {"name": customer.name}
    return {
        "customer": {"email": customer.email, "customer_name": customer.name, "customer_phone": customer.phone},
        "address": address,
    }


# --- CSV order imports -----------------------------------------------------------------------------


def recent_order_imports(*, limit: int = 10) -> list[OrderImport]:
    """The newest imports, for the upload page (one query)."""
    return list(OrderImport.objects.order_by("-created_at", "-id")[:limit])


def order_import_or_404(*, pk: int) -> OrderImport:
    return get_object_or_404(OrderImport, pk=pk)
