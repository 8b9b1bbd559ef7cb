"""Composition of pages across apps: a page in a lower app (the order page in ``orders``) shows
panels contributed by higher apps (shipments, invoices, returns) without importing them.

A contributor registers in its ``AppConfig.ready()``::

    panels.register("order-detail", name="shipments", template="fulfillment/panels/order_shipments.html",
                    context=lambda *, order, request: {"shipments": shipments_for_order(order)}, order=20)

and the page asks ``panels.render_slot("order-detail", request=request, order=order)``.
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


def register(
    slot: str, *, name: str, template: str, context: Callable[..., dict[str, Any] | None], order: int = 100
) -> None:
    _panels[slot][name] = Panel(slot, name, template, context, order)


def panels_for(slot: str) -> list[Panel]:
    return sorted(_panels.get(slot, {}).values(), key=lambda p: (p.order, p.name))


def render_slot(slot: str, *, request: Any = None, **kwargs: Any) -> list[SafeString]:
    """Render every panel of ``slot``; a panel whose context function returns None is left out."""
    rendered = []
    for panel in panels_for(slot):
        ctx = panel.context(request=request, **kwargs)
        if ctx is None:
            continue
        rendered.append(mark_safe(render_to_string(panel.template, {**kwargs, **ctx}, request=request)))
    return rendered
