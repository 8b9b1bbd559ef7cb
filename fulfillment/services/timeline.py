"""Fulfillment's entries on the order timeline, one function per kind (texts through
``oms.texts``, so each reader sees them in their language). Written in the caller's transaction."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from fulfillment.models import PickList, Shipment
from oms.inserts import insert_rows
from oms.texts import text
from orders.models import EventKind, Order, OrderEvent
from orders.services.timeline import new_event, record_event


def _entry(shipment: Shipment, message: Any, *, user: Any = None, from_state: str = "", **data: Any) -> OrderEvent:
    return record_event(
        shipment.order,
        EventKind.SHIPMENT,
        message,
        user=user,
        data={
            "shipment_id": shipment.pk,
            "reference": shipment.reference,
            "from": from_state,
            "to": shipment.state,
            **data,
        },
    )


def shipments_planned(entries: list[tuple[Order, Shipment, PickList | None]], *, user: Any = None) -> None:
    """One entry per shipment built for a pick list (or waiting for its warehouse's next one)."""
    # The two sources once, untranslated (``text`` would look each up again for every entry).
    with translation.override(None):
        on_list = str(_("Shipment %(reference)s planned from %(warehouse)s, pick list %(pick_list)s."))
        waiting = str(_("Shipment %(reference)s planned from %(warehouse)s."))
    events = []
    for order, shipment, pick_list in entries:
        if pick_list is not None:
            message = text(
                on_list, reference=shipment.reference, warehouse=shipment.warehouse.code, pick_list=pick_list.number
            )
        else:
            message = text(waiting, reference=shipment.reference, warehouse=shipment.warehouse.code)
        events.append(
            new_event(
                order,
                EventKind.SHIPMENT,
                message,
                user=user,
                data={"shipment_id": shipment.pk, "reference": shipment.reference, "to": shipment.state},
            )
        )
    insert_rows(events)  # one statement for a wave's thousand entries


def picking_finished(shipment: Shipment, *, user: Any = None) -> OrderEvent:
    return _entry(shipment, text(_("Shipment %(reference)s picked."), reference=shipment.reference), user=user)


def short_picked(
    shipment: Shipment, *, sku: str, bin_code: str, units: int, outcome: Any, user: Any = None
) -> OrderEvent:
    return _entry(
        shipment,
        [
            text(
                _("Short pick for %(reference)s: %(units)d x %(sku)s missing in bin %(bin)s."),
                reference=shipment.reference,
                units=units,
                sku=sku,
                bin=bin_code,
            ),
            outcome,
        ],
        user=user,
        sku=sku,
        bin=bin_code,
        units=units,
    )


def shipment_packed(shipment: Shipment, *, packages: int, from_state: str, user: Any = None) -> OrderEvent:
    return _entry(
        shipment,
        text(
            _("Shipment %(reference)s packed: %(packages)d package(s), %(weight)d g."),
            reference=shipment.reference,
            packages=packages,
            weight=shipment.weight_grams,
        ),
        user=user,
        from_state=from_state,
    )


def shipment_labelled(shipment: Shipment, *, from_state: str, user: Any = None) -> OrderEvent:
    return _entry(
        shipment,
        text(
            _("Shipment %(reference)s labelled, tracking number %(number)s."),
            reference=shipment.reference,
            number=shipment.tracking_number,
        ),
        user=user,
        from_state=from_state,
        tracking_number=shipment.tracking_number,
    )


def shipment_shipped(shipment: Shipment, *, carrier: str, from_state: str, user: Any = None) -> OrderEvent:
    return _entry(
        shipment,
        text(
            _("Shipment %(reference)s handed to %(carrier)s, tracking number %(number)s."),
            reference=shipment.reference,
            carrier=carrier,
            number=shipment.tracking_number,
        ),
        user=user,
        from_state=from_state,
        tracking_number=shipment.tracking_number,
    )


def shipment_held(shipment: Shipment, *, reason: str, from_state: str, user: Any = None) -> OrderEvent:
    return _entry(
        shipment,
        text(_("Shipment %(reference)s on hold: %(reason)s"), reference=shipment.reference, reason=reason),
        user=user,
        from_state=from_state,
        reason=reason,
    )


def shipment_unheld(shipment: Shipment, *, from_state: str, user: Any = None) -> OrderEvent:
    return _entry(
        shipment,
        text(
            _("Shipment %(reference)s back in the warehouse queue (%(state)s)."),
            reference=shipment.reference,
            state=shipment.get_state_display(),
        ),
        user=user,
        from_state=from_state,
    )


def shipment_cancelled(shipment: Shipment, *, reason: str, from_state: str, user: Any = None) -> OrderEvent:
    return _entry(
        shipment,
        text(_("Shipment %(reference)s cancelled: %(reason)s"), reference=shipment.reference, reason=reason),
        user=user,
        from_state=from_state,
        reason=reason,
    )
