"""The support order list and search.

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
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, Subquery

from oms.paging import KeysetPage, keyset_page
from orders.models import Channel, Customer, Order, OrderLine, OrderState
from orders.selectors.matching import clean_query, contains_all_words, query_words

PAGE_SIZE = 25


@dataclass
class SearchResult:
    page: KeysetPage
    exact: bool = False  # the page lists exact matches of an identifier (step 1 above)


def order_state_choices() -> list[tuple[str, Any]]:
    return list(OrderState.choices)


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
