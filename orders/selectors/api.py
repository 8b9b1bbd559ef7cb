"""Reads of the JSON API (``/api/v1/orders/``): a channel sees its own orders, staff every order.

The views parse and check the query parameters; these functions only filter."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from orders.models import Channel, Order, OrderLine


def _orders_with_lines(channel: Channel | None) -> QuerySet[Order]:
    qs = Order.objects.select_related("channel", "customer").prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("position", "pk"))
    )
    return qs.filter(channel=channel) if channel is not None else qs


def orders_for_api(
    *,
    channel: Channel | None = None,
    channel_code: str = "",
    state: str | Iterable[str] = "",
    external_id: str = "",
    updated_since: datetime.datetime | None = None,
) -> QuerySet[Order]:
    """The orders of ``channel`` (None: every channel, for staff), filtered, with channel, customer
    and lines loaded (3 queries per page whatever its size), newest change first as the API pages."""
    qs = _orders_with_lines(channel)
    if channel_code:
        qs = qs.filter(channel__code=channel_code)
    if state:
        qs = qs.filter(state=state) if isinstance(state, str) else qs.filter(state__in=list(state))
    if external_id:
        qs = qs.filter(external_id=external_id)
    if updated_since is not None:
        qs = qs.filter(updated_at__gte=updated_since)
    return qs.order_by("-updated_at", "-id")


def order_for_api_or_404(*, number: str, channel: Channel | None = None) -> Order:
    """One order of ``channel`` (None: any) by number, lines loaded; a missing, foreign or
    impossible number is the same 404."""
    if "\x00" in number:  # PostgreSQL refuses NUL in text: no order has such a number
        raise Http404
    return get_object_or_404(_orders_with_lines(channel), number=number)
