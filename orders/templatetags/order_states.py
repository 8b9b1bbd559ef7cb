"""``{% state_badge state label %}``: the badge of an order's or a support case's state;
``{% payment_badge state label %}``: the badge of an order's payment state.

The colours are the state groups of ``oms.badges`` (``orders.states`` maps the states). A tag
rather than an included template: lists show one badge per row (the product stock page up to
50), and an include costs a template render each time.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from oms import badges

register = template.Library()


@register.simple_tag
def state_badge(state: str, label: Any = "") -> SafeString:
    """An order state, or a support case state (their values do not overlap)."""
    kind = "case" if badges.group_of("case", state) else "order"
    return badges.state_badge(kind, state, label)


@register.simple_tag
def payment_badge(state: str, label: Any = "") -> SafeString:
    return badges.state_badge("payment", state, label)


@register.simple_tag
def typed_quantity(form: Any, line: Any) -> Any:
    """``form.typed_quantity(line)``: the quantity typed for one line of a per-line form."""
    return form.typed_quantity(line)
