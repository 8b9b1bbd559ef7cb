"""What each return request state asks of the reader (``oms.badges``): amber waits for support
or the parcel, blue is being handled in the warehouse, green is settled, red was refused, grey
was withdrawn."""

from __future__ import annotations

from oms import badges
from oms.badges import StateGroup
from returns.models import ReturnState

G = StateGroup

RETURN_STATE_GROUPS = {
    ReturnState.REQUESTED: G.WAITING,
    ReturnState.APPROVED: G.WAITING,
    ReturnState.RECEIVED: G.PROGRESS,
    ReturnState.INSPECTED: G.PROGRESS,
    ReturnState.REFUNDED: G.DONE,
    ReturnState.EXCHANGED: G.DONE,
    ReturnState.REJECTED: G.PROBLEM,
    ReturnState.CANCELLED: G.CLOSED,
}


def register() -> None:
    """Called from ``ReturnsConfig.ready()``."""
    badges.register("return", RETURN_STATE_GROUPS)
