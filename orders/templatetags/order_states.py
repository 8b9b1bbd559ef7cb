"""``{% state_badge state label %}``: the badge of an order's or a support case's state.

Colour says what the reader must do: red = a problem, amber = waiting for someone, blue = in
progress, green = done, grey = closed without result. A tag rather than an included template:
lists show one badge per row (the product stock page up to 50), and an include costs a template
render each time.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()

BADGE_CLASSES = {
    "backordered": "badge-bad",
    **dict.fromkeys(("on_hold", "pending", "partially_shipped", "open", "waiting"), "badge-warn"),
    **dict.fromkeys(("confirmed", "in_fulfillment"), "badge-info"),
    **dict.fromkeys(("allocated", "shipped", "delivered", "completed", "resolved"), "badge-ok"),
    "cancelled": "badge-muted",
}


@register.simple_tag
def state_badge(state: str, label: Any = "") -> SafeString:
    return format_html(
        '<span class="badge {}" data-state="{}">{}</span>', BADGE_CLASSES.get(state, ""), state, label or state
    )
