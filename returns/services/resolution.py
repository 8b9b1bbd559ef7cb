"""Resolving an inspected return: refund what the warehouse accepted, or exchange it.

Support may choose an exchange before the return is inspected (``choose_exchange``: replacement
SKUs and units); the accepted return then becomes a zero-price replacement order linked to the
original (``orders.services.replacements``), allocated and fulfilled like any order, and the
request goes to exchanged instead of being credited.

Inspection publishes ``return.inspected`` with ``inspection_outcome`` (the units accepted, whether
the return completes a full withdrawal); billing credits and refunds them and publishes
``return.credited``; ``on_return_credited`` then moves the request to refunded. ``resolve_return``
does the whole step itself (billing's part is idempotent per return), so the sweep
(``sweep_unresolved_returns``) finishes any return whose events were lost.

Accepted are the resellable units. Damaged units (blocked in stock) and missing ones are not
refunded. A full withdrawal (every unit the customer kept came back and was accepted, over all
of the order's returns) also refunds the outbound shipping (§357(2) BGB).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from billing.services.return_refunds import credit_and_refund_return
from inventory.models import Product
from oms.events import publish
from oms.exceptions import IllegalTransitionError
from oms.texts import text
from orders import locks
from orders.models import EventKind
from orders.services.replacements import place_replacement_order
from orders.services.timeline import record_event
from returns.error_codes import ReturnErrorCode
from returns.exceptions import ReturnError
from returns.models import ReturnEvent, ReturnLine, ReturnRequest, ReturnState

logger = logging.getLogger(__name__)

# Returns whose accepted units count towards a full withdrawal.
ACCEPTED_STATES = [ReturnState.INSPECTED, ReturnState.REFUNDED]
# The sweep leaves returns this young to the events.
SWEEP_GRACE = datetime.timedelta(minutes=5)


def accepted_units(request: ReturnRequest) -> dict[int, int]:
    """{order line id: resellable units} of ``request``."""
    return {
        line.order_line_id: line.quantity_restocked
        for line in request.lines.all().order_by("pk")
        if line.quantity_restocked > 0
    }


def is_full_withdrawal(request: ReturnRequest) -> bool:
    """Did every unit the customer kept (ordered minus cancelled) come back accepted, counting
    this return and the order's earlier inspected or refunded ones?"""
    accepted = dict(
        ReturnLine.objects.filter(request__order_id=request.order_id, request__state__in=ACCEPTED_STATES)
        .values("order_line")
        .annotate(n=Sum("quantity_restocked"))
        .values_list("order_line", "n")
    )
    kept = [(line.pk, line.quantity - line.quantity_cancelled) for line in request.order.lines.all()]
    return any(q > 0 for _pk, q in kept) and all(accepted.get(pk, 0) >= q for pk, q in kept)


def resolution(request: ReturnRequest) -> str:
    """How ``request`` is resolved once inspected: ``"refund"``, or ``"exchange"`` when support
    chose replacement items (``choose_exchange``); billing credits only refunds."""
    return request.resolution or "refund"


def _check_exchange_items(items: Mapping[str, int]) -> dict[str, int]:
    """{SKU: units} as given, or ``ReturnError`` naming what is wrong (nothing written)."""
    cleaned: dict[str, int] = {}
    for sku, units in items.items():
        sku = (sku or "").strip().upper()
        if not sku or not isinstance(units, int) or units < 1 or units > 999:
            raise ReturnError(
                _("Give each replacement item as SKU and a quantity from 1 to 999."),
                code=ReturnErrorCode.UNKNOWN_SKU,
                data={"field": "items"},
            )
        cleaned[sku] = cleaned.get(sku, 0) + units
    if not cleaned:
        raise ReturnError(
            _("Name at least one replacement item."), code=ReturnErrorCode.UNKNOWN_SKU, data={"field": "items"}
        )
    match = Q()
    for sku in cleaned:
        match |= Q(sku__iexact=sku)
    known = {sku.upper(): sku for sku in Product.objects.filter(match).values_list("sku", flat=True)}
    unknown = [sku for sku in cleaned if sku not in known]
    if unknown:
        raise ReturnError(
            _("Unknown SKU: %(skus)s.") % {"skus": ", ".join(unknown)},
            code=ReturnErrorCode.UNKNOWN_SKU,
            data={"field": "items", "skus": unknown},
        )
    return {known[sku]: units for sku, units in cleaned.items()}


@transaction.atomic
def choose_exchange(request: ReturnRequest, items: Mapping[str, int], *, by: Any = None) -> ReturnRequest:
    """Support resolves ``request`` by exchange: once inspected, the accepted units are replaced by
    ``items`` ({SKU: units}) in a zero-price order instead of being refunded. Allowed until the
    return is inspected; an unknown SKU or a bad quantity is a ``ReturnError`` and nothing is
    written."""
    checked = _check_exchange_items(items)
    locks.lock_order(order_id=request.order_id)
    request = ReturnRequest.objects.select_for_update(of=("self",)).select_related("order").get(pk=request.pk)
    if request.state not in (ReturnState.REQUESTED, ReturnState.APPROVED, ReturnState.RECEIVED):
        raise IllegalTransitionError(obj=request, action=_("Exchange"), state=request.get_state_display())
    request.resolution = "exchange"
    request.exchange_items = checked
    request.save(update_fields=["resolution", "exchange_items"])
    label = f"user:{by.get_username()}" if getattr(by, "pk", None) else "system"
    record_event(
        request.order,
        EventKind.RETURN,
        text(
            gettext_lazy("Return %(number)s will be exchanged for %(items)s."),
            number=request.number,
            items=", ".join(f"{q} x {sku}" for sku, q in checked.items()),
        ),
        actor_label=label,
        user=by,
        data={"return_id": request.pk},
    )
    return request


def _exchange(request: ReturnRequest, *, actor_label: str, user: Any) -> ReturnRequest:
    """The inspected, accepted return becomes a replacement order; the request is exchanged."""
    from_state = request.state
    replacement = place_replacement_order(
        request.order,
        {sku: int(q) for sku, q in request.exchange_items.items()},
        reference=f"exchange:{request.number}",
        actor_label=actor_label,
        user=user,
    )
    request.exchange()
    request.exchange_order = replacement
    request.save(update_fields=["state", "closed_at", "exchange_order"])
    _event(request, from_state, reason="", actor_label=actor_label, user=user)
    record_event(
        request.order,
        EventKind.RETURN,
        text(
            gettext_lazy("Return %(number)s exchanged: replacement order %(replacement)s."),
            number=request.number,
            replacement=replacement.number,
        ),
        actor_label=actor_label,
        user=user,
        data={"return_id": request.pk, "replacement_order_id": replacement.pk},
    )
    publish(
        "return.exchanged",
        {"return_id": request.pk, "order_id": request.order_id, "replacement_order_id": replacement.pk},
    )
    return request


def inspection_outcome(request: ReturnRequest) -> dict[str, Any]:
    """The ``return.inspected`` payload: what was accepted, and whether shipping goes back too."""
    return {
        "return_id": request.pk,
        "order_id": request.order_id,
        "number": request.number,
        "resolution": resolution(request),
        "units": {str(k): v for k, v in accepted_units(request).items()},
        "full_withdrawal": is_full_withdrawal(request),
    }


def _event(request: ReturnRequest, from_state: str, *, reason: str, actor_label: str, user: Any) -> None:
    ReturnEvent.objects.create(
        request=request,
        from_state=from_state,
        to_state=request.state,
        reason=reason[:500],
        actor=user if getattr(user, "pk", None) else None,
        actor_label=actor_label[:100],
    )


@transaction.atomic
def resolve_return(request: ReturnRequest, *, actor_label: str = "system", user: Any = None) -> ReturnRequest:
    """An inspected return is refunded: billing credits the accepted units (and shipping on a
    full withdrawal) and pays the amount back; the request goes to refunded, or to rejected when
    nothing was accepted. Any other state: nothing to do (already resolved, or not yet inspected).
    Locks the order, then the request."""
    locks.lock_order(order_id=request.order_id)
    request = ReturnRequest.objects.select_for_update(of=("self",)).select_related("order").get(pk=request.pk)
    if request.state != ReturnState.INSPECTED:
        return request
    units = accepted_units(request)
    from_state = request.state
    if units and resolution(request) == "exchange":
        return _exchange(request, actor_label=actor_label, user=user)
    if not units:
        reason = str(gettext_lazy("Nothing was accepted: every unit was damaged or missing."))
        request.decline(reason=reason)
        request.save(update_fields=["state", "decision_reason", "closed_at"])
        _event(request, from_state, reason=reason, actor_label=actor_label, user=user)
        record_event(
            request.order,
            EventKind.RETURN,
            text(
                gettext_lazy("Return %(number)s closed without a refund: nothing was accepted."),
                number=request.number,
            ),
            actor_label=actor_label,
            user=user,
            data={"return_id": request.pk},
        )
        publish("return.rejected", {"return_id": request.pk, "order_id": request.order_id})
        return request
    outcome = credit_and_refund_return(
        order_id=request.order_id,
        return_id=request.pk,
        number=request.number,
        units=units,
        full_withdrawal=is_full_withdrawal(request),
        actor_label=actor_label,
        user=user,
    )
    request.refund()
    request.save(update_fields=["state", "closed_at"])
    _event(request, from_state, reason="", actor_label=actor_label, user=user)
    record_event(
        request.order,
        EventKind.RETURN,
        text(
            gettext_lazy(
                "Return %(number)s refunded: %(credited)s %(currency)s credited, %(refunded)s %(currency)s paid back."
            ),
            number=request.number,
            credited=str(outcome.credited),
            refunded=str(outcome.refunded),
            currency=request.currency,
        ),
        actor_label=actor_label,
        user=user,
        data={"return_id": request.pk, "credit_note_ids": [n.pk for n in outcome.credit_notes]},
    )
    publish(
        "return.refunded",
        {
            "return_id": request.pk,
            "order_id": request.order_id,
            "credited": str(outcome.credited),
            "refunded": str(outcome.refunded),
        },
    )
    return request


def on_return_credited(payload: dict[str, Any]) -> None:
    """``return.credited`` (billing): the money is back, the request is refunded."""
    request = ReturnRequest.objects.filter(pk=payload["return_id"]).first()
    if request is not None:
        resolve_return(request)


def sweep_unresolved_returns(*, now: datetime.datetime | None = None) -> int:
    """Resolve inspected returns older than ``SWEEP_GRACE`` (their events were lost, or billing
    failed once). One transaction per return, so one that fails does not hold back the rest."""
    now = now or timezone.now()
    done = 0
    ids = list(
        ReturnRequest.objects.filter(state=ReturnState.INSPECTED, inspected_at__lte=now - SWEEP_GRACE)
        .order_by("inspected_at", "pk")
        .values_list("pk", flat=True)[:500]
    )
    for pk in ids:
        try:
            if resolve_return(ReturnRequest.objects.get(pk=pk)).state != ReturnState.INSPECTED:
                done += 1
        except Exception:
            logger.exception("Return %s could not be resolved; the next sweep tries again", pk)
    return done
