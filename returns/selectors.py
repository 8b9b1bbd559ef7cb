"""Reads of the returns screens: an order's return requests (the order page's RMA panel), one
request for support, and the support queue of requests that wait for a decision or whose refund
is about to be late."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from orders.models import Order
from returns.models import CLOSED_STATES, ReturnLine, ReturnPhoto, ReturnRequest, ReturnState
from returns.policy import REFUND_DUE_DAYS, REFUND_WARN_DAYS

# Requests in these states hold their units: nobody may ask for them a second time.
HOLDING_STATES = [s for s in ReturnState if s not in (ReturnState.REJECTED, ReturnState.CANCELLED)]

# What the support queue shows first: what needs an agent.
QUEUE_WAITING = ""  # requests waiting for approval, and open requests whose refund is due soon
QUEUE_ALL = "all"


@dataclass
class ReturnCard:
    """A return request as the order page shows it: its lines and the moves support may make."""

    request: ReturnRequest
    lines: list[ReturnLine]
    actions: list[str] = field(default_factory=list)
    refund_due_on: datetime.date | None = None
    photos: list[Any] = field(default_factory=list)


def returnable_quantities(order: Order, *, lines: list[Any] | None = None) -> dict[int, int]:
    """{order line id: units shipped and not yet returned or held by another open request}
    (``lines``: the order's lines when the caller has read them already)."""
    lines = list(order.lines.all()) if lines is None else lines
    if not any(line.quantity_shipped for line in lines):
        return {line.pk: 0 for line in lines}
    held = dict(
        ReturnLine.objects.filter(order_line__order=order, request__state__in=HOLDING_STATES)
        .values("order_line")
        .annotate(n=Sum("quantity"))
        .values_list("order_line", "n")
    )
    return {
        line.pk: max(line.quantity_shipped - max(line.quantity_returned, held.get(line.pk, 0)), 0) for line in lines
    }


def _lines() -> Prefetch:
    return Prefetch("lines", queryset=ReturnLine.objects.select_related("order_line").order_by("pk"))


def refund_due_on(request: ReturnRequest) -> datetime.date | None:
    """The day the refund is due (``REFUND_DUE_DAYS`` after the declaration), while it is owed."""
    if request.state in CLOSED_STATES:
        return None
    return timezone.localdate(request.created_at) + datetime.timedelta(days=REFUND_DUE_DAYS)


# Until inspection support may resolve a return by exchange instead of a refund.
EXCHANGEABLE_STATES = frozenset({ReturnState.REQUESTED, ReturnState.APPROVED, ReturnState.RECEIVED})


def support_actions(request: ReturnRequest) -> list[str]:
    """The decisions support may take on the order page (from the state machine)."""
    available = {t.name for t in request.get_available_state_transitions()}
    actions = [a for a in ("approve", "reject", "cancel") if a in available]
    if request.state in EXCHANGEABLE_STATES:
        actions.append("exchange")
    return actions


def returns_for_order(order: Order) -> list[ReturnCard]:
    """Every return request of ``order``, newest first, with its lines and photos (three queries)."""
    requests = (
        ReturnRequest.objects.filter(order=order)
        .select_related("return_parcel__carrier_service__carrier", "return_parcel__label_document", "exchange_order")
        .prefetch_related(
            _lines(),
            Prefetch("photos", queryset=ReturnPhoto.objects.order_by("uploaded_at", "pk")),
            "return_parcel__events",
        )
        .order_by("-created_at", "-pk")
    )
    return [
        ReturnCard(
            request=r,
            lines=list(r.lines.all()),
            actions=support_actions(r),
            refund_due_on=refund_due_on(r),
            photos=list(r.photos.all()),
        )
        for r in requests
    ]


def return_for_support_or_404(*, number: str) -> ReturnRequest:
    if "\x00" in number:
        raise Http404
    return get_object_or_404(
        ReturnRequest.objects.select_related(
            "order",
            "order__channel",
            "order__customer",
            "return_parcel__carrier_service__carrier",
            "return_parcel__label_document",
        ).prefetch_related(_lines(), "return_parcel__events"),
        number=number,
    )


def return_events(request: ReturnRequest) -> QuerySet:
    return request.events.order_by("created_at", "pk")


def return_queue(*, state: str = "", reason: str = "", channel: str = "", q: str = "", now: Any = None) -> QuerySet:
    """The requests of the support queue, unordered (the list sorts and pages them).

    By default (``state=""``) what needs an agent: requests waiting for approval, and open
    requests whose refund falls due within ``REFUND_WARN_DAYS`` (or is overdue); ``"all"``
    every request; a state, the requests in it."""
    now = now or timezone.now()
    qs = ReturnRequest.objects.all()
    if state == QUEUE_ALL:
        pass
    elif state:
        qs = qs.filter(state=state)
    else:
        soon = now - datetime.timedelta(days=REFUND_DUE_DAYS - REFUND_WARN_DAYS)
        qs = qs.filter(
            Q(state=ReturnState.REQUESTED)
            | Q(state__in=[s for s in ReturnState if s not in CLOSED_STATES], created_at__lte=soon)
        )
    if reason:
        qs = qs.filter(reason=reason)
    if channel:
        qs = qs.filter(order__channel__code=channel)
    q = (q or "").replace("\x00", "").strip()[:200]
    if q:
        qs = qs.filter(Q(number__iexact=q) | Q(order__number__iexact=q) | Q(order__email__iexact=q))
    return qs
