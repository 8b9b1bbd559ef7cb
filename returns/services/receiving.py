"""Receiving and inspecting a return parcel in the warehouse, one scanned unit at a time.

``receive_unit`` books one unit of an approved return in the condition the warehouse found it:
resellable units go back into a chosen bin (``inventory.services.stock.return_stock``, a ``return``
movement; waiting backorders allocate them), damaged ones are booked in as blocked
(``return_blocked_stock``: never available, scrapped later with ``scrap_damaged_units``). Every
received unit raises the order line's ``quantity_returned`` (``orders.services.returns``).

Locks: the order, then the return request, then its lines, then (inside inventory) the stock
level, so a parcel scanned twice at once books each unit once: received never exceeds approved.
The first unit moves the request to received; once every unit is accounted for (or the
warehouse finishes with ``finish_inspection``, the rest recorded missing) it is inspected and
``return.inspected`` carries what was accepted (``returns.services.resolution``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fulfillment.models import Shipment
from inventory.models import BinLocation, Warehouse
from inventory.services.stock import return_blocked_stock, return_stock, scrap_blocked_stock
from oms.events import publish
from oms.exceptions import DomainError
from oms.texts import text
from orders import locks
from orders.models import EventKind
from orders.services.returns import record_returned_units
from orders.services.timeline import actor_user, record_event
from returns.error_codes import ReturnErrorCode
from returns.exceptions import ReturnError
from returns.models import Condition, ReturnEvent, ReturnLine, ReturnRequest, ReturnState, ReturnUnit
from returns.services.resolution import accepted_units, inspection_outcome, resolution, resolve_return

logger = logging.getLogger(__name__)

S = ReturnState
RECEIVABLE = (S.APPROVED, S.RECEIVED)
# Conditions a scanned unit can be booked in.
SCANNED_CONDITIONS = (Condition.RESELLABLE, Condition.DAMAGED)


@dataclass(frozen=True)
class Received:
    request: ReturnRequest
    line: ReturnLine
    condition: str
    inspected: bool  # this unit was the last one: the return is inspected


def find_return(code: str) -> ReturnRequest | None:
    """The return request a scan names: its RMA number or its return label's tracking number."""
    code = (code or "").strip()
    if not code:
        return None
    return (
        ReturnRequest.objects.filter(Q(number__iexact=code) | Q(tracking_number=code) & ~Q(tracking_number=""))
        .select_related("order")
        .order_by("-created_at", "-pk")
        .first()
    )


def receiving_warehouse(request: ReturnRequest) -> Warehouse | None:
    """Where the parcel is booked in: the warehouse that began receiving it, else the one that
    shipped the order (its latest shipment), else the first active warehouse."""
    if request.warehouse_id:
        return request.warehouse
    shipment = Shipment.objects.filter(order_id=request.order_id).order_by("-pk").select_related("warehouse").first()
    if shipment is not None:
        return shipment.warehouse
    return Warehouse.objects.filter(active=True).order_by("code").first()


def not_receivable_message(request: ReturnRequest) -> str:
    """Why nothing can be received against ``request`` in its state ("" when it can)."""
    if request.state in RECEIVABLE:
        return ""
    values = {"number": request.number, "reason": request.decision_reason or "-"}
    if request.state == S.REJECTED:
        return (
            _("Return %(number)s was rejected (%(reason)s): receive nothing, put the parcel aside for support.")
            % values
        )
    if request.state == S.CANCELLED:
        return (
            _("Return %(number)s was cancelled (%(reason)s): receive nothing, put the parcel aside for support.")
            % values
        )
    if request.state == S.REQUESTED:
        return _("Return %(number)s is not approved yet: put the parcel aside for support.") % values
    return _("Return %(number)s is received and inspected already: nothing more to book.") % values


def _locked(request: ReturnRequest) -> ReturnRequest:
    locks.lock_order(order_id=request.order_id)
    return ReturnRequest.objects.select_for_update(of=("self",)).select_related("order", "warehouse").get(pk=request.pk)


def _locked_lines(request: ReturnRequest) -> list[ReturnLine]:
    return list(
        ReturnLine.objects.select_for_update(of=("self",))
        .filter(request=request)
        .select_related("order_line__product")
        .order_by("pk")
    )


def _refuse_unless_receivable(request: ReturnRequest) -> None:
    message = not_receivable_message(request)
    if message:
        raise ReturnError(message, code=ReturnErrorCode.NOT_RECEIVABLE, data={"field": "code", "state": request.state})


def _matches(line: ReturnLine, code: str) -> bool:
    product = line.order_line.product
    return code.upper() == product.sku.upper() or bool(product.gtin and code == product.gtin)


def _label(user: Any) -> str:
    user = actor_user(user)
    return f"user:{user.get_username()}" if user is not None else "system"


def _event(request: ReturnRequest, from_state: str, *, user: Any, reason: str = "") -> None:
    ReturnEvent.objects.create(
        request=request,
        from_state=from_state,
        to_state=request.state,
        reason=reason[:500],
        actor=actor_user(user),
        actor_label=_label(user)[:100],
    )


def _start_receiving(request: ReturnRequest, warehouse: Warehouse, *, user: Any) -> None:
    from_state = request.state
    request.receive()
    request.warehouse = warehouse
    request.save(update_fields=["state", "received_at", "warehouse"])
    _event(request, from_state, user=user)
    record_event(
        request.order,
        EventKind.RETURN,
        text(
            gettext_lazy("Return %(number)s arrived in warehouse %(warehouse)s."),
            number=request.number,
            warehouse=warehouse.code,
        ),
        actor_label=_label(user),
        user=user,
        data={"return_id": request.pk},
    )
    publish("return.received", {"return_id": request.pk, "order_id": request.order_id, "warehouse_id": warehouse.pk})


@transaction.atomic
def receive_unit(
    request: ReturnRequest, *, code: str, condition: str, bin: BinLocation | None = None, user: Any = None
) -> Received:
    """Book one scanned unit (``code``: its SKU or GTIN) of ``request`` as ``condition``
    (resellable into ``bin``, or damaged: blocked). Raises ``ReturnError`` (nothing written) for a
    request that is not approved (rejected, cancelled, still requested, already inspected), a code
    not on the return, a unit more than approved, a resellable unit without a bin, or a bin of
    another warehouse."""
    code = (code or "").strip()
    if condition not in SCANNED_CONDITIONS:
        raise ReturnError(
            _("Choose the item's condition: resellable or damaged."),
            code=ReturnErrorCode.UNKNOWN_CONDITION,
            data={"field": "condition"},
        )
    request = _locked(request)
    _refuse_unless_receivable(request)
    lines = _locked_lines(request)
    matching = [line for line in lines if _matches(line, code)]
    if not matching:
        raise ReturnError(
            _("“%(code)s” is not on return %(number)s: put it aside.") % {"code": code, "number": request.number},
            code=ReturnErrorCode.ITEM_NOT_ON_RETURN,
            data={"field": "code"},
        )
    line = next((m for m in matching if m.quantity_open > 0), None)
    if line is None:
        expected = sum(m.quantity for m in matching)
        raise ReturnError(
            _("All %(units)d x %(sku)s of return %(number)s are booked already: this one is extra, put it aside.")
            % {"units": expected, "sku": matching[0].order_line.sku, "number": request.number},
            code=ReturnErrorCode.ALREADY_RECEIVED,
            data={"field": "code"},
        )
    warehouse = receiving_warehouse(request)
    if warehouse is None:
        raise ReturnError(_("There is no warehouse to book the return into."), data={"field": "bin"})
    if condition == Condition.RESELLABLE and bin is None:
        raise ReturnError(
            _("Choose the bin the resellable item goes into."), code=ReturnErrorCode.BIN_REQUIRED, data={"field": "bin"}
        )
    if bin is not None and bin.warehouse_id != warehouse.pk:
        raise ReturnError(
            _("Bin %(bin)s is not in warehouse %(warehouse)s, where return %(number)s is booked in.")
            % {"bin": bin.code, "warehouse": warehouse.code, "number": request.number},
            data={"field": "bin"},
        )

    if request.state == S.APPROVED:
        _start_receiving(request, warehouse, user=user)
    record_returned_units(order_id=request.order_id, units={line.order_line_id: 1})
    product = line.order_line.product
    if condition == Condition.RESELLABLE:
        movement = return_stock(
            product=product,
            warehouse=warehouse,
            quantity=1,
            bin=bin,
            reference=request.number,
            reason=str(gettext_lazy("Customer return, resellable")),
            user=user,
        )
        line.quantity_restocked += 1
    else:
        movement = return_blocked_stock(
            product=product,
            warehouse=warehouse,
            quantity=1,
            reference=request.number,
            reason=str(gettext_lazy("Customer return, damaged")),
            user=user,
        )
        bin = None
        line.quantity_damaged += 1
    line.quantity_received += 1
    line.save(update_fields=["quantity_received", "quantity_restocked", "quantity_damaged"])
    ReturnUnit.objects.create(
        request=request,
        line=line,
        condition=condition,
        code=code[:64],
        bin=bin,
        movement=movement,
        user=actor_user(user),
    )
    inspected = all(ln.quantity_open == 0 for ln in lines)
    if inspected:
        _complete_inspection(request, lines, user=user)
    return Received(request=request, line=line, condition=condition, inspected=inspected)


@transaction.atomic
def finish_inspection(request: ReturnRequest, *, user: Any = None) -> ReturnRequest:
    """The parcel is done: units still expected are recorded missing (nothing booked) and the
    return is inspected. Raises ``ReturnError`` for a request that cannot be received."""
    request = _locked(request)
    _refuse_unless_receivable(request)
    lines = _locked_lines(request)
    if request.state == S.APPROVED:
        warehouse = receiving_warehouse(request)
        if warehouse is None:
            raise ReturnError(_("There is no warehouse to book the return into."), data={"field": "bin"})
        _start_receiving(request, warehouse, user=user)
    for line in lines:
        missing = line.quantity_open
        if missing > 0:
            line.quantity_missing += missing
            line.save(update_fields=["quantity_missing"])
            ReturnUnit.objects.create(
                request=request, line=line, condition=Condition.MISSING, quantity=missing, user=actor_user(user)
            )
    _complete_inspection(request, lines, user=user)
    return request


def _complete_inspection(request: ReturnRequest, lines: list[ReturnLine], *, user: Any) -> None:
    from_state = request.state
    request.inspect()
    request.save(update_fields=["state", "inspected_at"])
    restocked = sum(line.quantity_restocked for line in lines)
    damaged = sum(line.quantity_damaged for line in lines)
    missing = sum(line.quantity_missing for line in lines)
    _event(request, from_state, user=user)
    record_event(
        request.order,
        EventKind.RETURN,
        text(
            gettext_lazy(
                "Return %(number)s inspected: %(restocked)d resellable, %(damaged)d damaged, %(missing)d missing."
            ),
            number=request.number,
            restocked=restocked,
            damaged=damaged,
            missing=missing,
        ),
        actor_label=_label(user),
        user=user,
        data={"return_id": request.pk},
    )
    publish("return.inspected", inspection_outcome(request))
    if not accepted_units(request):
        resolve_return(request, actor_label=_label(user), user=user)  # nothing to refund: closed now
    elif resolution(request) == "exchange":
        # The replacement order is placed now; if that fails (a SKU withdrawn since), the unit
        # stays booked, the return inspected, and the sweep tries again.
        try:
            with transaction.atomic():
                resolve_return(request, actor_label=_label(user), user=user)
        except DomainError:
            logger.warning("Return %s: the replacement order could not be placed yet", request.number, exc_info=True)


@transaction.atomic
def scrap_damaged_units(
    request: ReturnRequest, *, line_id: int, quantity: int, reason: str, user: Any = None
) -> ReturnLine:
    """Write off ``quantity`` damaged (blocked) units of a return line: a ``scrap`` movement lowers
    on hand and blocked together, so sellable stock does not change. Raises ``ReturnError`` for
    more than are damaged and not yet scrapped, or no reason."""
    reason = (reason or "").strip()[:200]
    if not reason:
        raise ReturnError(_("Say why the items are scrapped."), data={"field": "reason"})
    request = _locked(request)
    line = next((ln for ln in _locked_lines(request) if ln.pk == line_id), None)
    left = (line.quantity_damaged - line.quantity_scrapped) if line is not None else 0
    if line is None or not isinstance(quantity, int) or quantity < 1 or quantity > left:
        raise ReturnError(
            _("Only %(left)d damaged unit(s) of this item are left to scrap.") % {"left": left},
            code=ReturnErrorCode.NOTHING_TO_SCRAP,
            data={"field": "quantity"},
        )
    warehouse = receiving_warehouse(request)
    movement = scrap_blocked_stock(
        product=line.order_line.product,
        warehouse=warehouse,
        quantity=quantity,
        reason=reason,
        reference=request.number,
        user=user,
    )
    line.quantity_scrapped += quantity
    line.save(update_fields=["quantity_scrapped"])
    ReturnUnit.objects.create(
        request=request,
        line=line,
        condition=Condition.SCRAPPED,
        quantity=quantity,
        movement=movement,
        note=reason,
        user=actor_user(user),
    )
    record_event(
        request.order,
        EventKind.RETURN,
        text(
            gettext_lazy("Return %(number)s: %(units)d x %(sku)s scrapped (%(reason)s)."),
            number=request.number,
            units=quantity,
            sku=line.order_line.sku,
            reason=reason,
        ),
        actor_label=_label(user),
        user=user,
        data={"return_id": request.pk},
    )
    return line
