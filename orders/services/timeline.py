"""Writing the order timeline and keeping the order's search document current."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from oms.texts import Spec, render
from orders import locks
from orders.models import Order, OrderEvent, OrderLine


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
