"""Writing the order timeline and keeping the order's search document current.

One function per kind of entry (``order_placed``, ``order_held``, ``payment_recorded`` ...): the
service that caused it calls it inside its transaction, after the change. Each writes its entry
(with its text as an ``oms.texts`` spec, so the page shows it in the reader's language) and
returns it. ``new_event``/``record_event`` remain for higher apps writing kinds of their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from oms.inserts import insert_rows
from oms.texts import Spec, render, text
from orders import locks
from orders.models import EventKind, Order, OrderEvent, OrderLine, OrderState, PaymentTransaction, TransactionKind


@dataclass(frozen=True)
class Actor:
    """Who caused an entry: a user, or a label such as ``"system"`` or ``"api:shop-de"``."""

    label: str = "system"
    user: Any = None


def actor_user(user: Any) -> Any:
    """The user to store as actor (anonymous or missing users are stored as None)."""
    return user if user is not None and getattr(user, "is_authenticated", False) and user.pk else None


def new_event(
    order: Order,
    kind: str,
    message: str | Spec | list[Spec | str] = "",
    *,
    actor_label: str = "system",
    user: Any = None,
    from_state: str = "",
    to_state: str = "",
    data: dict[str, Any] | None = None,
) -> OrderEvent:
    """An unsaved timeline entry (``OrderEvent.objects.bulk_create`` several at once).

    ``message`` is a text spec (``oms.texts.text``), kept in ``data["text"]`` so the page shows it
    in each reader's language, or plain text written by a person (a note), kept as typed. The
    ``message`` column holds the text in the writer's language for the admin and exports."""
    if isinstance(message, dict | list):
        data = {**(data or {}), "text": message}
        message = render(message)
    actor = actor_user(user)
    label = actor_label or "system"
    if actor is not None and label == "system":
        label = f"user:{actor.get_username()}"
    return OrderEvent(
        order=order,
        kind=kind,
        actor=actor,
        actor_label=label[:100],
        from_state=from_state,
        to_state=to_state,
        message=str(message),
        data=data or {},
        created_at=timezone.now(),
    )


def record_event(order: Order, kind: str, message: str | Spec | list[Spec | str] = "", **kwargs: Any) -> OrderEvent:
    event = new_event(order, kind, message, **kwargs)
    event.save()
    return event


def _write(order: Order, kind: str, message: Any, actor: Actor, **kwargs: Any) -> OrderEvent:
    return record_event(order, kind, message, actor_label=actor.label, user=actor.user, **kwargs)


def _change(from_state: str, order: Order) -> dict[str, str]:
    """``from_state``/``to_state`` of an entry: filled only when the state changed."""
    if from_state == order.state:
        return {"from_state": "", "to_state": ""}
    return {"from_state": from_state, "to_state": order.state}


def order_placed(
    order: Order, *, confirmed_because: Spec | None, actor: Actor, then: Sequence[OrderEvent] = ()
) -> list[OrderEvent]:
    """A channel placed the order; ``confirmed_because`` when intake confirmed it at once (payment
    captured, payment on terms); ``then``: unsaved entries of what intake did next (routing).
    One insert for all of them."""
    events = [
        new_event(
            order,
            EventKind.PLACED,
            text(gettext_lazy("Order placed through %(channel)s."), channel=order.channel.name),
            actor_label=actor.label,
            user=actor.user,
            to_state=OrderState.PENDING,
            data={"external_id": order.external_id, "total": str(order.total), "currency": order.currency},
        )
    ]
    if confirmed_because is not None:
        events.append(
            new_event(
                order,
                EventKind.TRANSITION,
                confirmed_because,
                actor_label=actor.label,
                user=actor.user,
                from_state=OrderState.PENDING,
                to_state=OrderState.CONFIRMED,
            )
        )
    # Stamped with the moment intake took the order: ``then`` was decided (and stamped) after it.
    for event in events:
        event.created_at = order.created_at or event.created_at
    return OrderEvent.objects.bulk_create([*events, *then])


def order_confirmed(order: Order, *, reason: str | Spec = "", from_state: str, actor: Actor) -> OrderEvent:
    return _write(
        order,
        EventKind.TRANSITION,
        reason or text(gettext_lazy("Order confirmed.")),
        actor,
        from_state=from_state,
        to_state=order.state,
    )


def routing_entry(
    order: Order, *, message: Spec, allocated: bool, from_state: str, data: dict[str, Any], actor: Actor
) -> OrderEvent:
    """A routing decision, unsaved: where the order's units are reserved, or why it waits for
    stock (``order_routed`` saves it; intake writes it with the order's first entries)."""
    return new_event(
        order,
        EventKind.ROUTING if allocated else EventKind.BACKORDER,
        message,
        actor_label=actor.label,
        user=actor.user,
        data=data,
        **_change(from_state, order),
    )


def order_routed(
    order: Order, *, message: Spec, allocated: bool, from_state: str, data: dict[str, Any], actor: Actor
) -> OrderEvent:
    """A routing decision: where the order's units are reserved, or why it waits for stock."""
    event = routing_entry(order, message=message, allocated=allocated, from_state=from_state, data=data, actor=actor)
    event.save()
    return event


def order_held(order: Order, *, reason: str, from_state: str, actor: Actor) -> OrderEvent:
    return _write(
        order,
        EventKind.TRANSITION,
        text(gettext_lazy("On hold: %(reason)s"), reason=reason),
        actor,
        from_state=from_state,
        to_state=order.state,
        data={"reason": reason},
    )


def hold_released(order: Order, *, note: str, hold_reason: str, from_state: str, actor: Actor) -> OrderEvent:
    return _write(
        order,
        EventKind.TRANSITION,
        [text(gettext_lazy("Hold released.")), (note or "").strip()],
        actor,
        from_state=from_state,
        to_state=order.state,
        data={"hold_reason": hold_reason},
    )


def order_released(order: Order, *, from_state: str, actor: Actor) -> OrderEvent:
    """Released to the warehouse."""
    return _write(
        order,
        EventKind.TRANSITION,
        text(gettext_lazy("Released to the warehouse.")),
        actor,
        from_state=from_state,
        to_state=order.state,
    )


def orders_released(released: Sequence[tuple[Order, str]], *, actor: Actor) -> list[OrderEvent]:
    """``order_released`` for each (order, state it left) of a wave, in one insert."""
    message = text(gettext_lazy("Released to the warehouse."))
    events = [
        new_event(
            order,
            EventKind.TRANSITION,
            message,
            actor_label=actor.label,
            user=actor.user,
            from_state=from_state,
            to_state=order.state,
        )
        for order, from_state in released
    ]
    return insert_rows(events)  # type: ignore[return-value]


def short_units_released(
    order: Order, *, items: str, units: int, reason: str, quantities: dict[int, int], actor: Actor
) -> OrderEvent:
    """The warehouse did not find ``items`` ("1 x SKU-1"); their reservations went back."""
    return _write(
        order,
        EventKind.RELEASE,
        text(gettext_lazy("Not found in the warehouse: %(items)s (%(reason)s)."), items=items, reason=reason),
        actor,
        data={"lines": {str(k): v for k, v in quantities.items()}, "units": units, "reason": reason},
    )


def order_backordered_from_fulfillment(order: Order, *, reason: str, from_state: str, actor: Actor) -> OrderEvent:
    return _write(
        order,
        EventKind.BACKORDER,
        text(gettext_lazy("Back to waiting for stock: %(reason)s"), reason=reason),
        actor,
        from_state=from_state,
        to_state=order.state,
        data={"reason": reason},
    )


def lines_shipped(
    order: Order, *, items: str, shipped: dict[int, int], reference: str, from_state: str, actor: Actor
) -> OrderEvent:
    """``items``: "2 x SKU-1, 1 x SKU-2"; ``shipped``: {line id: units}."""
    return _write(
        order,
        EventKind.SHIPMENT,
        text(gettext_lazy("Shipped: %(items)s."), items=items),
        actor,
        from_state=from_state,
        to_state=order.state,
        data={"lines": {str(k): v for k, v in shipped.items()}, "reference": reference},
    )


def rest_shipped(order: Order, *, from_state: str, actor: Actor) -> OrderEvent:
    """A cancellation left only units that have shipped already."""
    return _write(
        order,
        EventKind.TRANSITION,
        text(gettext_lazy("Every remaining unit has shipped.")),
        actor,
        from_state=from_state,
        to_state=order.state,
    )


def order_delivered(order: Order, *, from_state: str, actor: Actor) -> OrderEvent:
    return _write(
        order,
        EventKind.TRANSITION,
        text(gettext_lazy("Delivered.")),
        actor,
        from_state=from_state,
        to_state=order.state,
    )


def order_completed(order: Order, *, from_state: str, actor: Actor) -> OrderEvent:
    return _write(
        order,
        EventKind.TRANSITION,
        text(gettext_lazy("Order completed.")),
        actor,
        from_state=from_state,
        to_state=order.state,
    )


def order_cancelled(
    order: Order, *, reason: str, released: dict[str, int], units: int, from_state: str, actor: Actor
) -> OrderEvent:
    """The whole order was cancelled; ``units`` reserved units went back to stock."""
    return _write(
        order,
        EventKind.CANCELLATION,
        [
            text(gettext_lazy("Order cancelled: %(reason)s"), reason=reason),
            *([text(gettext_lazy("%(units)d reserved units released."), units=units)] if units else []),
        ],
        actor,
        from_state=from_state,
        to_state=order.state,
        data={"reason": reason, "released": released},
    )


def order_emptied(order: Order, *, reason: str, from_state: str, actor: Actor) -> OrderEvent:
    """Cancelling lines left nothing to ship: the order is cancelled."""
    return _write(
        order,
        EventKind.CANCELLATION,
        text(gettext_lazy("Order cancelled: every line was cancelled.")),
        actor,
        from_state=from_state,
        to_state=order.state,
        data={"reason": reason, "released": {}},
    )


def lines_cancelled(order: Order, *, items: str, reason: str, data: dict[str, Any], actor: Actor) -> OrderEvent:
    return _write(
        order,
        EventKind.CANCELLATION,
        text(gettext_lazy("Cancelled %(items)s: %(reason)s"), items=items, reason=reason),
        actor,
        data=data,
    )


def order_edited(order: Order, *, changes: Sequence[Spec], actor: Actor) -> OrderEvent:
    return _write(order, EventKind.EDIT, list(changes), actor, data={"total": str(order.total)})


def payment_recorded(order: Order, *, tx: PaymentTransaction, actor: Actor) -> OrderEvent:
    amount: Decimal = tx.amount
    return _write(
        order,
        EventKind.PAYMENT,
        text(
            gettext_lazy("%(kind)s of %(amount)s %(currency)s recorded."),
            kind=TransactionKind(tx.kind).label,
            amount=amount,
            currency=tx.currency,
        ),
        actor,
        data={"transaction_id": tx.pk, "kind": tx.kind, "amount": str(amount), "provider": tx.provider},
    )


def note_added(order: Order, *, note_id: int, body: str, actor: Actor) -> OrderEvent:
    """A note as its author typed it (not translated)."""
    return _write(order, EventKind.NOTE, body, actor, data={"note_id": note_id})


def mail_sent(order: Order, *, kind_label: Any, to: str, mail_id: int, resend: bool = False) -> OrderEvent:
    """A customer mail about ``order`` went out (written by ``oms.mail`` as it sends it)."""
    if resend:
        source = gettext_lazy("E-mail “%(kind)s” sent again to %(to)s.")
    else:
        source = gettext_lazy("E-mail “%(kind)s” sent to %(to)s.")
    return _write(order, EventKind.MAIL, text(source, kind=kind_label, to=to), Actor(), data={"mail_id": mail_id})


def build_search_text(order: Order, lines: Iterable[OrderLine], extra: Iterable[str] = ()) -> str:
    """Lower-case search document: number, external id, e-mail, names, postcodes, cities, phones, SKUs."""
    parts = [
        order.number,
        order.external_id,
        order.email,
        order.billing_name,
        order.shipping_name,
        order.billing_company,
        order.shipping_company,
        order.billing_postcode,
        order.shipping_postcode,
        order.billing_city,
        order.shipping_city,
        order.billing_phone,
        order.shipping_phone,
        *(line.sku for line in lines),
        *extra,
    ]
    seen: dict[str, None] = {}
    for part in parts:
        part = (part or "").strip().lower()
        if part:
            seen.setdefault(part, None)
    return " ".join(seen)


def add_search_terms(*, order_id: int, terms: Iterable[str]) -> None:
    """Append terms (a tracking, invoice or RMA number) to an order's search document.

    For subscribers of higher apps; idempotent (a term already there is not added again). Locks
    the order row, so two subscribers adding terms at once do not overwrite each other.
    """
    with transaction.atomic():
        _add_search_terms_locked(order_id=order_id, terms=terms)


def _add_search_terms_locked(*, order_id: int, terms: Iterable[str]) -> None:
    order = locks.lock_order(order_id=order_id)
    present = set(order.search_text.split())
    new = [t.strip().lower() for t in terms if t and t.strip() and t.strip().lower() not in present]
    if new:
        Order.objects.filter(pk=order_id).update(search_text=" ".join([order.search_text, *new]).strip())
