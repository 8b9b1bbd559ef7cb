"""Read side of the warehouse's return screens: the expected returns and one return's lines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Min, Q, QuerySet, Sum

from inventory.models import BinLocation, BinStock
from returns.models import ReturnLine, ReturnRequest, ReturnState, ReturnUnit

EXPECTED_STATES = [ReturnState.APPROVED, ReturnState.RECEIVED]
EXPECTED_SHOWN = 50
RECENT_UNITS_SHOWN = 20


def expected_returns(*, limit: int = EXPECTED_SHOWN) -> QuerySet[ReturnRequest]:
    """Approved returns not yet inspected, oldest approval first, with their units (one query)."""
    return (
        ReturnRequest.objects.filter(state__in=EXPECTED_STATES)
        .select_related("order")
        .annotate(units_expected=Sum("lines__quantity"), units_received=Sum("lines__quantity_received"))
        .order_by("approved_at", "pk")[:limit]
    )


def expected_summary() -> dict[str, Any]:
    """Counts for the warehouse home: returns on their way, returns being received, the oldest."""
    return ReturnRequest.objects.filter(state__in=EXPECTED_STATES).aggregate(
        expected=Count("pk", filter=Q(state=ReturnState.APPROVED)),
        receiving=Count("pk", filter=Q(state=ReturnState.RECEIVED)),
        oldest=Min("approved_at"),
    )


def return_by_number(number: str) -> ReturnRequest | None:
    return (
        ReturnRequest.objects.filter(number__iexact=(number or "").strip()[:20])
        .select_related("order", "warehouse")
        .first()
    )


@dataclass(frozen=True)
class ScreenLine:
    line: ReturnLine
    sku: str
    name: str
    gtin: str
    bins: list[str]  # bins of the receiving warehouse that hold this product already

    @property
    def open(self) -> int:
        return self.line.quantity_open

    @property
    def scrappable(self) -> int:
        return self.line.quantity_damaged - self.line.quantity_scrapped


def screen_lines(request: ReturnRequest, *, warehouse_id: int | None) -> list[ScreenLine]:
    """The return's lines with their products and the bins that hold them (two queries)."""
    lines = list(request.lines.select_related("order_line__product").order_by("pk"))
    bins: dict[int, list[str]] = {}
    if warehouse_id is not None:
        rows = (
            BinStock.objects.filter(
                stock_level__warehouse_id=warehouse_id,
                stock_level__product_id__in=[ln.order_line.product_id for ln in lines],
                quantity__gt=0,
            )
            .order_by("bin__pick_sequence", "bin__code")
            .values_list("stock_level__product_id", "bin__code")
        )
        for product_id, code in rows:
            bins.setdefault(product_id, []).append(code)
    return [
        ScreenLine(
            line=ln,
            sku=ln.order_line.sku,
            name=ln.order_line.name,
            gtin=ln.order_line.product.gtin or "",
            bins=bins.get(ln.order_line.product_id, [])[:3],
        )
        for ln in lines
    ]


def recent_units(request: ReturnRequest) -> list[ReturnUnit]:
    return list(
        ReturnUnit.objects.filter(request=request)
        .select_related("line__order_line", "bin")
        .order_by("-created_at", "-pk")[:RECENT_UNITS_SHOWN]
    )


def bin_in_warehouse(code: str, *, warehouse_id: int | None) -> BinLocation | None:
    if not code or warehouse_id is None:
        return None
    return BinLocation.objects.filter(warehouse_id=warehouse_id, code__iexact=code, active=True).first()
