"""State badges: one colour per state group, the same on every page of every app.

A reader sees at a glance what a state asks of them: amber = waiting for someone, blue = in
progress, green = done, red = a problem, grey = closed without a result (cancelled, refunded).
Each app that owns a state machine maps its states to a group once, from its ``AppConfig.ready()``
(``badges.register("shipment", {...})``), and pages render ``{% state_badge kind state label %}``
(``oms`` template tags). ``oms`` imports no app: it only knows the groups.

Billing registers its invoice states the same way (``badges.register("invoice", {...})``); the
order's payment state is the kind ``payment`` (``{% payment_badge order.payment_state label %}``).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString


class StateGroup(StrEnum):
    WAITING = "waiting"
    PROGRESS = "progress"
    DONE = "done"
    PROBLEM = "problem"
    CLOSED = "closed"


# The CSS class of each group (static/css/oms.css, "badges").
GROUP_CLASSES = {
    StateGroup.WAITING: "badge-warn",
    StateGroup.PROGRESS: "badge-info",
    StateGroup.DONE: "badge-ok",
    StateGroup.PROBLEM: "badge-bad",
    StateGroup.CLOSED: "badge-muted",
}

_GROUPS: dict[str, dict[str, StateGroup]] = {}


def register(kind: str, groups: Mapping[str, StateGroup]) -> None:
    """Map the states of ``kind`` (``"order"``, ``"shipment"``, ``"invoice"``) to their groups.
    Registering a kind again replaces its map (tests, reloads)."""
    _GROUPS[kind] = {str(state): StateGroup(group) for state, group in groups.items()}


def group_of(kind: str, state: str) -> StateGroup | None:
    """The group of ``state`` of ``kind``, or None for a state nobody registered."""
    return _GROUPS.get(kind, {}).get(str(state))


def state_badge(kind: str, state: str, label: Any = "") -> SafeString:
    """``<span class="badge badge-…" data-state="…" data-group="…">label</span>``; a state of
    no group gets a plain grey badge (never an error on a page)."""
    group = group_of(kind, state)
    return format_html(
        '<span class="badge {}" data-state="{}" data-group="{}">{}</span>',
        GROUP_CLASSES.get(group, "") if group else "",
        state,
        group or "",
        label or state,
    )
