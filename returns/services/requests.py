"""Creating return requests (RMA) and deciding them.

``create_return`` is the one entry point for support's order page and the customer portal: it
validates before it writes (reason, lines, quantities, excluded products, the return window),
then, under the order's row lock, takes an RMA number, writes the request and its lines, the
order's timeline and the RMA number into the order's search text, and approves the request at
once when the rule allows (``auto_approval``). Approving asks fulfillment for a return label
(``fulfillment.services.return_labels``), booked by a worker after commit. Events ``return.requested`` and
``return.approved`` are published after commit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed

from fulfillment.services.return_labels import cancel_return_parcel, request_return_label
from inventory.models import WithdrawalExclusion
from oms.events import publish
from oms.exceptions import IllegalTransitionError
from oms.money import quantize
from oms.texts import text
from orders import locks
from orders.models import EventKind, Order, OrderLine
from orders.services.timeline import actor_user, add_search_terms, record_event
from returns.error_codes import ReturnErrorCode
from returns.exceptions import ReturnError
from returns.models import ReturnEvent, ReturnLine, ReturnReason, ReturnRequest, ReturnState
from returns.photos import CheckedPhoto, remove_files, store_photos
from returns.policy import return_window
from returns.selectors import HOLDING_STATES, returnable_quantities  # noqa: F401  (also imported from here)
from returns.services.numbering import take_rma_number


@dataclass(frozen=True)
class Approval:
    auto: bool
    why_not: list[str]


def auto_approve_limit() -> Decimal:
    return Decimal(str(settings.RETURNS_AUTO_APPROVE_MAX_VALUE))


def _unit_value(line: OrderLine) -> Decimal:
    kept = line.quantity - line.quantity_cancelled
    return line.line_total / kept if kept > 0 else Decimal(0)


def _label(by: Any, actor_label: str) -> str:
    user = actor_user(by)
    if actor_label:
        return actor_label
    return f"user:{user.get_username()}" if user is not None else "system"


def create_return(
    order: Order,
    lines: Mapping[int, int],
    reason: str,
    *,
    by: Any,
    reason_text: str = "",
    comment: str = "",
    channel_override_reason: str | None = None,
    actor_label: str = "",
    photos: Sequence[CheckedPhoto] = (),
) -> ReturnRequest:
    """A return request for ``lines`` ({order line id: units}) of ``order``.

    ``by``: the user asking (support), or None (portal, with ``actor_label="portal"``).
    ``channel_override_reason``: support accepts the request outside the return window or for
    products excluded from withdrawal; the reason goes on the timeline. ``photos``: checked by
    ``returns.photos.check_photos``, stored with the request. Raises ``ReturnError`` (nothing
    written, no file left) for an unknown reason, no lines, a line of another order, more units
    than shipped minus returned or requested, excluded products, a closed window without override
    or too many photos."""
    written: list[str] = []
    try:
        return _create_return(
            order,
            lines,
            reason,
            by=by,
            reason_text=reason_text,
            comment=comment,
            channel_override_reason=channel_override_reason,
            actor_label=actor_label,
            photos=photos,
            written=written,
        )
    except BaseException:
        remove_files(written)
        raise


@transaction.atomic
def _create_return(
    order: Order,
    lines: Mapping[int, int],
    reason: str,
    *,
    by: Any,
    reason_text: str,
    comment: str,
    channel_override_reason: str | None,
    actor_label: str,
    photos: Sequence[CheckedPhoto],
    written: list[str],
) -> ReturnRequest:
    if reason not in ReturnReason.values:
        raise ReturnError(
            _("Choose a reason for the return."), code=ReturnErrorCode.UNKNOWN_REASON, data={"field": "reason"}
        )
    reason_text = (reason_text or "").strip()[:500]
    if reason == ReturnReason.OTHER and not reason_text:
        raise ReturnError(
            _("Describe the reason in your own words."),
            code=ReturnErrorCode.REASON_TEXT_REQUIRED,
            data={"field": "reason_text"},
        )
    override = (channel_override_reason or "").strip()[:500]
    wanted = {int(k): int(v) for k, v in lines.items() if int(v) != 0}
    if not wanted or any(q < 0 for q in wanted.values()):
        raise ReturnError(
            _("Choose at least one item to return."), code=ReturnErrorCode.NO_LINES, data={"field": "lines"}
        )

    order = locks.lock_order(order_id=order.pk)
    order_lines = {line.pk: line for line in locks.lines_for_update(order=order).select_related("product")}
    unknown = [pk for pk in wanted if pk not in order_lines]
    if unknown:
        raise ReturnError(
            _("An item does not belong to this order."), code=ReturnErrorCode.UNKNOWN_LINE, data={"field": "lines"}
        )
    left = returnable_quantities(order)
    over = [
        {"sku": order_lines[pk].sku, "requested": q, "returnable": left.get(pk, 0)}
        for pk, q in sorted(wanted.items())
        if q > left.get(pk, 0)
    ]
    if over:
        detail = ", ".join(f"{o['sku']}: {o['requested']} > {o['returnable']}" for o in over)
        raise ReturnError(
            _("More units than were shipped and not yet returned (%(detail)s).") % {"detail": detail},
            code=ReturnErrorCode.QUANTITY_EXCEEDS_RETURNABLE,
            data={"field": "lines", "lines": over},
        )
    excluded = [
        order_lines[pk]
        for pk in wanted
        if order_lines[pk].product.withdrawal_exclusion
        and order_lines[pk].product.withdrawal_exclusion not in WithdrawalExclusion.conditional()
    ]
    if excluded and not override:
        raise ReturnError(
            _("Excluded from withdrawal: %(skus)s.") % {"skus": ", ".join(line.sku for line in excluded)},
            code=ReturnErrorCode.EXCLUDED_PRODUCT,
            data={"field": "lines"},
        )
    window = return_window(order)
    today = timezone.localdate()
    in_window = window.is_open(today)
    if not in_window and not override:
        raise ReturnError(
            _("The return window ended on %(date)s.") % {"date": window.ends_on.isoformat()},
            code=ReturnErrorCode.WINDOW_CLOSED,
            data={"field": "lines"},
        )

    value = quantize(sum((_unit_value(order_lines[pk]) * q for pk, q in wanted.items()), Decimal(0)))
    label = _label(by, actor_label)
    request = ReturnRequest.objects.create(
        number=take_rma_number(year=today.year),
        order=order,
        reason=reason,
        reason_text=reason_text,
        comment=(comment or "").strip()[:2000],
        window_ends_on=window.ends_on,
        window_override_reason=override if (not in_window or excluded) else "",
        value=value,
        currency=order.currency,
        created_by=actor_user(by),
        created_by_label=label[:100],
    )
    ReturnLine.objects.bulk_create(
        [ReturnLine(request=request, order_line_id=pk, quantity=q) for pk, q in sorted(wanted.items())]
    )
    ReturnEvent.objects.create(request=request, to_state=request.state, actor=actor_user(by), actor_label=label[:100])
    items = ", ".join(f"{q} x {order_lines[pk].sku}" for pk, q in sorted(wanted.items()))
    record_event(
        order,
        EventKind.RETURN,
        text(
            gettext_lazy("Return %(number)s requested: %(items)s (%(reason)s)."),
            number=request.number,
            items=items,
            reason=ReturnReason(reason).label,
        ),
        actor_label=label,
        user=by,
        data={"return_id": request.pk, "number": request.number},
    )
    if request.window_override_reason:
        record_event(
            order,
            EventKind.RETURN,
            text(
                gettext_lazy("Return %(number)s accepted outside the return policy: %(reason)s"),
                number=request.number,
                reason=override,
            ),
            actor_label=label,
            user=by,
            data={"return_id": request.pk},
        )
    store_photos(request, photos, by_label=label, written=written)
    add_search_terms(order_id=order.pk, terms=[request.number])
    publish("return.requested", {"return_id": request.pk, "order_id": order.pk, "number": request.number})

    decision = auto_approval(request, in_window=in_window, lines=[order_lines[pk] for pk in wanted])
    if decision.auto:
        _approve(request, reason="", auto=True, by=None, actor_label="system")
    return request


def auto_approval(request: ReturnRequest, *, in_window: bool, lines: list[OrderLine]) -> Approval:
    """May ``request`` be approved without support? Within the window (no override), no product
    excluded from withdrawal (even conditionally: only an inspection tells), value at most
    ``RETURNS_AUTO_APPROVE_MAX_VALUE``."""
    why_not = []
    if not in_window:
        why_not.append("outside_window")
    if any(line.product.withdrawal_exclusion for line in lines):
        why_not.append("excluded_product")
    if request.value > auto_approve_limit():
        why_not.append("value_over_limit")
    return Approval(auto=not why_not, why_not=why_not)


def _transition_event(request: ReturnRequest, from_state: str, *, reason: str, by: Any, actor_label: str) -> None:
    label = _label(by, actor_label)
    ReturnEvent.objects.create(
        request=request,
        from_state=from_state,
        to_state=request.state,
        reason=reason[:500],
        actor=actor_user(by),
        actor_label=label[:100],
    )


def return_weight(request: ReturnRequest) -> int:
    """Grams of the units on ``request`` (the products' weights), for its return label."""
    return sum(
        line.quantity * (line.order_line.product.weight_grams or 0)
        for line in request.lines.select_related("order_line__product")
    )


def _approve(request: ReturnRequest, *, reason: str, auto: bool, by: Any, actor_label: str) -> None:
    """Approve ``request`` (order locked) and ask fulfillment for its return label; the customer's
    mail follows once the label is booked (``notifications.on_return_label_booked``), or at once
    when no carrier books one."""
    from_state = request.state
    request.approve(reason=reason, auto=auto)
    request.return_parcel = request_return_label(
        order=request.order, reference=request.number, weight_grams=return_weight(request)
    )
    request.save(update_fields=["state", "approved_at", "decision_reason", "auto_approved", "return_parcel"])
    _transition_event(request, from_state, reason=reason, by=by, actor_label=actor_label)
    message = (
        text(gettext_lazy("Return %(number)s approved automatically."), number=request.number)
        if auto
        else text(gettext_lazy("Return %(number)s approved."), number=request.number)
    )
    record_event(
        request.order,
        EventKind.RETURN,
        message,
        actor_label=_label(by, actor_label),
        user=by,
        data={"return_id": request.pk},
    )
    publish(
        "return.approved",
        {
            "return_id": request.pk,
            "order_id": request.order_id,
            "auto": auto,
            "return_label": request.return_parcel_id is not None,
        },
    )


def _locked(request: ReturnRequest) -> ReturnRequest:
    locks.lock_order(order_id=request.order_id)
    return ReturnRequest.objects.select_for_update(of=("self",)).select_related("order").get(pk=request.pk)


@transaction.atomic
def approve_return(request: ReturnRequest, *, by: Any, reason: str = "") -> ReturnRequest:
    """Support approves a waiting request. ``IllegalTransitionError`` unless it is requested."""
    request = _locked(request)
    if not can_proceed(request.approve):
        raise IllegalTransitionError(obj=request, action=_("Approve"), state=request.get_state_display())
    _approve(request, reason=(reason or "").strip(), auto=False, by=by, actor_label="")
    return request


@transaction.atomic
def reject_return(request: ReturnRequest, *, by: Any, reason: str) -> ReturnRequest:
    """Support rejects a waiting request; the reason is required and goes on the timeline."""
    reason = (reason or "").strip()
    if not reason:
        raise ReturnError(_("Give a reason for the rejection."), data={"field": "reason"})
    request = _locked(request)
    if not can_proceed(request.reject):
        raise IllegalTransitionError(obj=request, action=_("Reject"), state=request.get_state_display())
    from_state = request.state
    request.reject(reason=reason)
    request.save(update_fields=["state", "decision_reason", "closed_at"])
    _transition_event(request, from_state, reason=reason, by=by, actor_label="")
    record_event(
        request.order,
        EventKind.RETURN,
        text(gettext_lazy("Return %(number)s rejected: %(reason)s"), number=request.number, reason=reason),
        actor_label=_label(by, ""),
        user=by,
        data={"return_id": request.pk},
    )
    publish("return.rejected", {"return_id": request.pk, "order_id": request.order_id})
    return request


@transaction.atomic
def cancel_return(request: ReturnRequest, *, by: Any, reason: str = "", actor_label: str = "") -> ReturnRequest:
    """Support (or the customer) withdraws a request that is still waiting or approved, before any
    parcel came back; its units may be requested again. ``IllegalTransitionError`` otherwise."""
    reason = (reason or "").strip()[:500]
    request = _locked(request)
    if not can_proceed(request.cancel):
        raise IllegalTransitionError(obj=request, action=_("Cancel"), state=request.get_state_display())
    from_state = request.state
    request.cancel(reason=reason)
    request.save(update_fields=["state", "decision_reason", "closed_at"])
    cancel_return_parcel(reference=request.number)  # its return label is not used
    _transition_event(request, from_state, reason=reason, by=by, actor_label=actor_label)
    message = (
        text(gettext_lazy("Return %(number)s cancelled: %(reason)s"), number=request.number, reason=reason)
        if reason
        else text(gettext_lazy("Return %(number)s cancelled."), number=request.number)
    )
    record_event(
        request.order,
        EventKind.RETURN,
        message,
        actor_label=_label(by, actor_label),
        user=by,
        data={"return_id": request.pk},
    )
    publish("return.cancelled", {"return_id": request.pk, "order_id": request.order_id})
    return request


# Photos may be added while the parcel has not been inspected: what they show is still to decide.
PHOTO_STATES = frozenset({ReturnState.REQUESTED, ReturnState.APPROVED, ReturnState.RECEIVED})


def add_return_photos(request: ReturnRequest, photos: Sequence[CheckedPhoto], *, by_label: str) -> list[Any]:
    """Photos added to an open request (the customer's portal). ``ReturnError`` when the request
    is decided or the photos would be too many; nothing written then."""
    written: list[str] = []
    try:
        with transaction.atomic():
            locked = _locked(request)
            if locked.state not in PHOTO_STATES:
                raise ReturnError(
                    _("Return %(number)s is %(state)s: no more photos can be added.")
                    % {"number": locked.number, "state": locked.get_state_display()},
                    code=ReturnErrorCode.PHOTOS_CLOSED,
                    data={"field": "photos"},
                )
            created = store_photos(locked, photos, by_label=by_label, written=written)
            if created:
                record_event(
                    locked.order,
                    EventKind.RETURN,
                    text(
                        gettext_lazy("%(count)s photo(s) added to return %(number)s."),
                        count=len(created),
                        number=locked.number,
                    ),
                    actor_label=by_label,
                    data={"return_id": locked.pk},
                )
            return created
    except BaseException:
        remove_files(written)
        raise
