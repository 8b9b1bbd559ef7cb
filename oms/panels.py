"""Composition of pages across apps: a page in a lower app (the order page in ``orders``) shows
panels contributed by higher apps (shipments, invoices, returns) without importing them.

A contributor registers in its ``AppConfig.ready()``::

    panels.register("order-detail", name="shipments", template="fulfillment/panels/order_shipments.html",
                    context=lambda *, order, request: {"shipments": shipments_for_order(order)}, order=20)

and the page asks ``panels.render_slot("order-detail", request=request, order=order)``.

Customer slots (``CUSTOMER_SLOTS``) are a registry of their own: the customer portal's order page
(``/track/``, in ``orders``) shows only what was registered with ``register_customer``, and
``register`` refuses a customer slot, so no staff panel (internal notes, routing reasons, the
support forms) can ever render there, whatever its context function would allow. A customer
panel is written for the customer: its context function gets the order and the request (an
anonymous visitor holding the order's link; never look at ``request.user`` there) and returns
only what the customer may see, in plain words. Contributors so far: fulfillment (shipments,
tracking, expected delivery); billing adds invoices and credit notes to download and returns the
return requests, through the same ``"customer-order"`` slot, each from its ``AppConfig.ready()``.

The customer's status timeline (received, paid, being packed, shipped, out for delivery,
delivered) is drawn by ``orders``; a higher app that knows when a step happened registers a
milestone function (``register_customer_milestones``) answering ``{step: datetime}`` for an order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Panel:
    slot: str
    name: str
    template: str
    context: Callable[..., dict[str, Any] | None]
    order: int = 100


_panels: dict[str, dict[str, Panel]] = defaultdict(dict)


# Slots shown to customers (the portal), with a registry of their own (``register_customer``).
CUSTOMER_SLOTS = frozenset({"customer-order"})
_customer_panels: dict[str, dict[str, Panel]] = defaultdict(dict)
_customer_milestones: dict[str, Callable[..., dict[str, Any]]] = {}


def register(
    slot: str, *, name: str, template: str, context: Callable[..., dict[str, Any] | None], order: int = 100
) -> None:
    if slot in CUSTOMER_SLOTS:
        raise ValueError(f"{slot!r} is shown to customers: register its panels with register_customer()")
    _panels[slot][name] = Panel(slot, name, template, context, order)


def register_customer(
    slot: str, *, name: str, template: str, context: Callable[..., dict[str, Any] | None], order: int = 100
) -> None:
    """Register a panel of a customer slot (see the module docstring: customer data only)."""
    if slot not in CUSTOMER_SLOTS:
        raise ValueError(f"{slot!r} is not a customer slot (one of {sorted(CUSTOMER_SLOTS)})")
    _customer_panels[slot][name] = Panel(slot, name, template, context, order)


def register_customer_milestones(name: str, milestones: Callable[..., dict[str, Any]]) -> None:
    """``milestones(order=...)`` answers ``{step: datetime}`` for steps of the customer's status
    timeline it knows of (e.g. ``"out_for_delivery"``); later registrations win on the same step."""
    _customer_milestones[name] = milestones


def customer_milestones(*, order: Any) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name in sorted(_customer_milestones):
        found.update({step: when for step, when in _customer_milestones[name](order=order).items() if when})
    return found


def customer_panels_for(slot: str) -> list[Panel]:
    return sorted(_customer_panels.get(slot, {}).values(), key=lambda p: (p.order, p.name))


def render_customer_slot(slot: str, *, request: Any = None, **kwargs: Any) -> list[SafeString]:
    """Render the customer panels of ``slot`` (never a staff panel); None from a context: left out."""
    if slot not in CUSTOMER_SLOTS:
        raise ValueError(f"{slot!r} is not a customer slot")
    return _render(customer_panels_for(slot), request=request, **kwargs)


def panels_for(slot: str) -> list[Panel]:
    return sorted(_panels.get(slot, {}).values(), key=lambda p: (p.order, p.name))


def render_slot(slot: str, *, request: Any = None, **kwargs: Any) -> list[SafeString]:
    """Render every panel of ``slot``; a panel whose context function returns None is left out."""
    return _render(panels_for(slot), request=request, **kwargs)


def _render(panels: list[Panel], *, request: Any, **kwargs: Any) -> list[SafeString]:
    rendered = []
    for panel in panels:
        ctx = panel.context(request=request, **kwargs)
        if ctx is None:
            continue
        rendered.append(mark_safe(render_to_string(panel.template, {**kwargs, **ctx}, request=request)))
    return rendered
