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
3. The list (``oms.lists``) sorts and pages the matches: keyset pages on ``(created_at, id)``
   newest first by default, or on ``(number, id)`` / ``(total, id)``, each served by an index, so
   the cost of page 100 equals the cost of page 1 and the query count never depends on the number
   of rows.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Q, Subquery

from oms.lists import Selection
from orders.models import Channel, Customer, Order, OrderLine, OrderState
from orders.selectors.matching import clean_query, contains_all_words, query_words

PAGE_SIZE = 25


def order_state_choices() -> list[tuple[str, Any]]:
    return list(OrderState.choices)


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


def orders_for_list(*, q: str = "", state: str = "", channel: str = "") -> Selection:
    """Every order the support search matches (see the module docstring), unordered: the list
    (``oms.lists``) sorts and pages it. ``extra["exact"]`` says whether they are exact matches
    of an identifier. At most five queries whatever the row count, before the page is read."""
    qs = Order.objects.all()
    if state:
        qs = qs.filter(state=state)
    if channel:
        # The channel's id as a subquery the planner evaluates first: it then walks the
        # (channel, created_at, id) index newest first instead of filtering the newest orders.
        qs = qs.filter(channel_id=Subquery(Channel.objects.filter(code=channel).values("pk")[:1]))
    q = clean_query(q)
    if not q:
        return Selection(qs, {"exact": False})
    lookups = [qs.filter(_exact_match(q))]
    if not any(c.isspace() for c in q):
        # The orders with a line of the product of that SKU, through the (product, order) index
        # of the lines. A query of its own: under an OR PostgreSQL would test every order newest
        # first against the lines, a scan of the whole table for a rarely sold product.
        lines = OrderLine.objects.filter(product__sku__in={q, q.upper()}).values("order_id")
        lookups.append(qs.filter(pk__in=lines))
    for exact in lookups:
        if exact.exists():
            return Selection(exact, {"exact": True})
    return Selection(qs.filter(*contains_all_words("search_text", query_words(q))), {"exact": False})
