"""Claims without a return (``returns.models.claim``): recording one against a shipment,
resolving it for the customer, and tracking the claim against the carrier.

Every service validates before it writes and runs in one transaction under the order's row lock
(the replacement order and billing's credit and refund join it: all or nothing):

- ``open_claim``: units of the shipment's lines (never more than the parcel held, counting earlier
  claims on it); a missing item only from a delivered parcel.
- ``resolve_by_reshipment``: a replacement order for the claimed units at zero price, placed by
  ``orders.services.replacements.place_replacement_order`` as an exchange's is (allocated and
  fulfilled like any order, ``Order.replacement_for`` the original), linked to the claim; its
  timeline and the original's name each other.
- ``resolve_by_refund``: billing credits the claimed units (``credit_returned_units``, keyed by the
  claim) and refunds the credited amount (``refund_payment``, token ``claim:<id>``).
- ``file_carrier_claim`` / ``record_carrier_payment`` / ``reject_carrier_claim``: open → claimed →
  paid | rejected.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_fsm import can_proceed

from billing.services.crediting import credit_returned_units
from billing.services.refunds import refund_payment, refundable_amount
from fulfillment.models import Shipment, ShipmentState
from oms.exceptions import DomainError, IllegalTransitionError
from oms.money import ZERO, quantize
from oms.texts import text
from orders import locks
from orders.models import Order
from orders.services.replacements import place_replacement_order
from orders.services.timeline import actor_user, add_search_terms, record_event
from returns.claim_selectors import LEFT_STATES, claimable_units
from returns.error_codes import ReturnErrorCode
from returns.exceptions import ReturnError
from returns.models import ClaimKind, ClaimLine, ClaimResolution, ShipmentClaim

EVENT_KIND = "claim"


# A parcel has left when it is in one of these states (a claim needs a parcel on its way or arrived).
def _label(by: Any, actor_label: str = "") -> str:
    user = actor_user(by)
    if actor_label:
        return actor_label[:100]
    return f"user:{user.get_username()}"[:100] if user is not None else "system"


def _refuse(message: str, code: ReturnErrorCode, field: str = "") -> ReturnError:
    return ReturnError(message, code=code, data={"field": field} if field else {})


def _unit_value(line: Any) -> Decimal:
    kept = line.quantity - line.quantity_cancelled
    return line.line_total / kept if kept > 0 else ZERO


@transaction.atomic
def open_claim(
    shipment: Shipment,
    kind: str,
    lines: Mapping[int, int],
    *,
    by: Any,
    description: str = "",
    actor_label: str = "",
) -> ShipmentClaim:
    """A claim about ``lines`` ({order line id: units}) of ``shipment``. ``ReturnError`` (nothing
    written) for an unknown kind, a parcel that has not left, a missing item from a parcel not
    delivered, no units, a line not in the parcel or more units than it held and were not
    claimed already."""
    if kind not in ClaimKind.values:
        raise _refuse(_("Choose what happened to the parcel."), ReturnErrorCode.UNKNOWN_CLAIM_KIND, "kind")
    wanted = {int(k): int(v) for k, v in lines.items() if int(v) != 0}
    if not wanted or any(q < 0 for q in wanted.values()):
        raise _refuse(_("Enter the units the claim is about."), ReturnErrorCode.NO_LINES, "lines")
    order = locks.lock_order(order_id=shipment.order_id)
    shipment = Shipment.objects.get(pk=shipment.pk)
    if shipment.state not in LEFT_STATES:
        raise _refuse(
            _("Shipment %(reference)s has not left the warehouse: there is nothing to claim.")
            % {"reference": shipment.reference},
            ReturnErrorCode.SHIPMENT_NOT_SHIPPED,
            "shipment",
        )
    if kind == ClaimKind.ITEM_MISSING and shipment.state != ShipmentState.DELIVERED:
        raise _refuse(
            _("An item can be missing only from a delivered parcel; report the parcel lost or damaged instead."),
            ReturnErrorCode.SHIPMENT_NOT_DELIVERED,
            "kind",
        )
    left = claimable_units(shipment)
    order_lines = {line.pk: line for line in order.lines.filter(pk__in=list(wanted))}
    if any(pk not in left or pk not in order_lines for pk in wanted):
        raise _refuse(_("An item was not in this parcel."), ReturnErrorCode.UNKNOWN_LINE, "lines")
    over = [f"{order_lines[pk].sku}: {q} > {left[pk]}" for pk, q in sorted(wanted.items()) if q > left[pk]]
    if over:
        raise _refuse(
            _("More units than the parcel held and were not claimed already (%(detail)s).")
            % {"detail": ", ".join(over)},
            ReturnErrorCode.QUANTITY_EXCEEDS_RETURNABLE,
            "lines",
        )
    label = _label(by, actor_label)
    claim = ShipmentClaim.objects.create(
        number=f"CLM-{timezone.now():%Y%m%d%H%M%S%f}"[:20],  # replaced by the numbered one below
        order=order,
        shipment=shipment,
        kind=kind,
        description=(description or "").strip()[:2000],
        value=quantize(sum((_unit_value(order_lines[pk]) * q for pk, q in wanted.items()), ZERO)),
        currency=order.currency,
        created_by=actor_user(by),
        created_by_label=label,
    )
    claim.number = f"CLM-{claim.pk:06d}"
    claim.save(update_fields=["number"])
    ClaimLine.objects.bulk_create(
        [ClaimLine(claim=claim, order_line_id=pk, quantity=q) for pk, q in sorted(wanted.items())]
    )
    items = ", ".join(f"{q} x {order_lines[pk].sku}" for pk, q in sorted(wanted.items()))
    record_event(
        order,
        EVENT_KIND,
        text(
            gettext_lazy("Claim %(number)s on shipment %(reference)s: %(kind)s (%(items)s)."),
            number=claim.number,
            reference=shipment.reference,
            kind=ClaimKind(kind).label,
            items=items,
        ),
        actor_label=label,
        user=by,
        data={"claim_id": claim.pk, "number": claim.number},
    )
    add_search_terms(order_id=order.pk, terms=[claim.number])
    return claim


def _locked(claim: ShipmentClaim) -> tuple[Order, ShipmentClaim]:
    order = locks.lock_order(order_id=claim.order_id)
    return order, ShipmentClaim.objects.select_for_update(of=("self",)).get(pk=claim.pk)


def _unresolved(claim: ShipmentClaim) -> None:
    if claim.resolution:
        raise _refuse(
            _("Claim %(number)s is resolved already (%(resolution)s).")
            % {"number": claim.number, "resolution": claim.get_resolution_display()},
            ReturnErrorCode.CLAIM_RESOLVED,
        )


def _replacement_items(claim: ShipmentClaim) -> dict[str, int]:
    """{SKU: units} of the claimed lines, what the free re-shipment sends again."""
    items: dict[str, int] = {}
    for line in claim.lines.select_related("order_line").order_by("pk"):
        items[line.order_line.sku] = items.get(line.order_line.sku, 0) + line.quantity
    return items


@transaction.atomic
def resolve_by_reshipment(claim: ShipmentClaim, *, by: Any, actor_label: str = "") -> ShipmentClaim:
    """The claimed units again, free: a replacement order (zero prices, no shipping) on the
    order's channel, allocated like any order, linked to the claim. ``ReturnError`` when the
    claim is resolved already; intake's refusal (``DomainError``) leaves nothing written."""
    order, claim = _locked(claim)
    _unresolved(claim)
    label = _label(by, actor_label)
    # The same path as an exchange (``orders.services.replacements``): a zero-price order linked
    # to the original by ``Order.replacement_for``, allocated and fulfilled like any order.
    replacement = place_replacement_order(
        order,
        _replacement_items(claim),
        reference=f"claim:{claim.number}",
        actor_label=label,
        user=actor_user(by),
    )
    claim.resolution = ClaimResolution.RESHIPMENT
    claim.replacement_order = replacement
    claim.resolved_at = timezone.now()
    claim.save(update_fields=["resolution", "replacement_order", "resolved_at"])
    record_event(
        order,
        EVENT_KIND,
        text(
            gettext_lazy("Claim %(number)s resolved with a free re-shipment: order %(replacement)s."),
            number=claim.number,
            replacement=replacement.number,
        ),
        actor_label=label,
        user=by,
        data={"claim_id": claim.pk, "replacement_order_id": replacement.pk},
    )
    return claim


@transaction.atomic
def resolve_by_refund(claim: ShipmentClaim, *, by: Any, actor_label: str = "") -> ShipmentClaim:
    """Money back for the claimed units: billing's credit note for them and the refund of the
    credited amount (at most what was captured and not refunded). ``ReturnError`` when resolved
    already or nothing was invoiced; billing's refusals leave nothing written."""
    order, claim = _locked(claim)
    _unresolved(claim)
    label = _label(by, actor_label)
    source = f"claim:{claim.pk}"
    units = dict(claim.lines.values_list("order_line_id", "quantity"))
    try:
        notes = credit_returned_units(
            order_id=order.pk,
            units=units,
            source=source,
            reason_text=_("Claim %(number)s") % {"number": claim.number},
            actor_label=label,
            user=actor_user(by),
        )
    except DomainError as exc:
        raise _refuse(exc.message, ReturnErrorCode.CLAIM_NOT_INVOICED) from exc
    credited = sum((note.total for note in notes), ZERO)
    if not notes:
        raise _refuse(
            _("Nothing of claim %(number)s was invoiced: there is nothing to refund.") % {"number": claim.number},
            ReturnErrorCode.CLAIM_NOT_INVOICED,
        )
    refunded = ZERO
    amount = min(credited, refundable_amount(order))
    if amount > 0:
        refunded = refund_payment(
            order=order,
            amount=amount,
            reason=_("Claim %(number)s") % {"number": claim.number},
            token=source,
            credit_note_id=notes[0].pk,
            actor_label=label,
            user=actor_user(by),
        ).amount
    claim.resolution = ClaimResolution.REFUND
    claim.refunded_amount = refunded
    claim.resolved_at = timezone.now()
    claim.save(update_fields=["resolution", "refunded_amount", "resolved_at"])
    record_event(
        order,
        EVENT_KIND,
        text(
            gettext_lazy("Claim %(number)s resolved with a refund: %(credited)s credited, %(refunded)s refunded."),
            number=claim.number,
            credited=f"{credited:.2f}",
            refunded=f"{refunded:.2f}",
        ),
        actor_label=label,
        user=by,
        data={"claim_id": claim.pk, "credit_note_ids": [n.pk for n in notes]},
    )
    return claim


def _carrier_move(claim: ShipmentClaim, verb: str, *, by: Any, message: Any, **kwargs: Any) -> ShipmentClaim:
    order, claim = _locked(claim)
    transition = getattr(claim, verb)
    if not can_proceed(transition):
        state = claim.get_carrier_state_display()
        raise IllegalTransitionError(obj=claim, action=str(ACTION_LABELS[verb]), state=state)
    transition(**kwargs)
    claim.save(
        update_fields=["carrier_state", "carrier_reference", "carrier_amount", "carrier_note", "carrier_updated_at"]
    )
    record_event(order, EVENT_KIND, message, actor_label=_label(by), user=by, data={"claim_id": claim.pk})
    return claim


ACTION_LABELS = {
    "file": gettext_lazy("Claim from the carrier"),
    "paid": gettext_lazy("Carrier paid"),
    "reject": gettext_lazy("Carrier rejected"),
}


@transaction.atomic
def file_carrier_claim(claim: ShipmentClaim, *, reference: str, by: Any) -> ShipmentClaim:
    """The claim is filed with the carrier under its ``reference``."""
    reference = (reference or "").strip()[:100]
    if not reference:
        raise _refuse(_("Enter the carrier's claim reference."), ReturnErrorCode.REFERENCE_REQUIRED, "reference")
    message = text(
        gettext_lazy("Claim %(number)s filed with the carrier (reference %(reference)s)."),
        number=claim.number,
        reference=reference,
    )
    return _carrier_move(claim, "file", by=by, message=message, reference=reference)


@transaction.atomic
def record_carrier_payment(claim: ShipmentClaim, *, amount: Decimal, by: Any, note: str = "") -> ShipmentClaim:
    """The carrier paid ``amount`` for the claim."""
    if amount is None or amount < 0:
        raise _refuse(_("Enter the amount the carrier paid."), ReturnErrorCode.AMOUNT_REQUIRED, "amount")
    amount = quantize(amount)
    message = text(
        gettext_lazy("The carrier paid %(amount)s for claim %(number)s."), number=claim.number, amount=f"{amount:.2f}"
    )
    return _carrier_move(claim, "paid", by=by, message=message, amount=amount, note=(note or "").strip()[:500])


@transaction.atomic
def reject_carrier_claim(claim: ShipmentClaim, *, note: str, by: Any) -> ShipmentClaim:
    """The carrier refused the claim; its answer is kept."""
    note = (note or "").strip()[:500]
    if not note:
        raise _refuse(_("Enter the carrier's answer."), ReturnErrorCode.REASON_REQUIRED, "note")
    message = text(gettext_lazy("The carrier rejected claim %(number)s: %(note)s"), number=claim.number, note=note)
    return _carrier_move(claim, "reject", by=by, message=message, note=note)
