from returns.models.claim import CarrierClaimState, ClaimKind, ClaimLine, ClaimResolution, ShipmentClaim
from returns.models.numbering import RmaCounter
from returns.models.photo import ReturnPhoto
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
from returns.models.withdrawal import ImmutableRowError, Withdrawal

__all__ = [
    "CLOSED_STATES",
    "OPEN_STATES",
    "CarrierClaimState",
    "ClaimKind",
    "ClaimLine",
    "ClaimResolution",
    "Condition",
    "ImmutableRowError",
    "ReturnEvent",
    "ReturnLine",
    "ReturnPhoto",
    "ReturnReason",
    "ReturnRequest",
    "ReturnState",
    "ReturnUnit",
    "RmaCounter",
    "ShipmentClaim",
    "Withdrawal",
]
