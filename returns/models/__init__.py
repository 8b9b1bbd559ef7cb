from returns.models.numbering import RmaCounter
from returns.models.receiving import Condition, ReturnUnit
from returns.models.request import (
    CLOSED_STATES,
    OPEN_STATES,
    ReturnEvent,
    ReturnLine,
    ReturnReason,
    ReturnRequest,
    ReturnState,
)

__all__ = [
    "CLOSED_STATES",
    "OPEN_STATES",
    "Condition",
    "ReturnEvent",
    "ReturnLine",
    "ReturnReason",
    "ReturnRequest",
    "ReturnState",
    "ReturnUnit",
    "RmaCounter",
]
