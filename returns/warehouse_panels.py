"""Panels returns contributes to the warehouse's pages (``oms.panels``)."""

from __future__ import annotations

from typing import Any

from returns.screen_selectors import expected_summary


def warehouse_returns(**_: Any) -> dict[str, Any]:
    """The warehouse home's queue of expected returns (approved, on their way or being received)."""
    return {"summary": expected_summary()}
