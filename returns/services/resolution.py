"""Resolving an inspected return: refund what the warehouse accepted.

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
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy

from billing.services.return_refunds import credit_and_refund_return
from oms.events import publish
from oms.texts import text
from orders import locks
from orders.models import EventKind
from orders.services.timeline import record_event
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
    """How ``request`` is resolved once inspected: ``"refund"`` (an exchange is resolved by
    the exchange service instead)."""
    return "refund"


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
    if request.state != ReturnState.INSPECTED or resolution(request) != "refund":
        return request
    units = accepted_units(request)
    from_state = request.state
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
