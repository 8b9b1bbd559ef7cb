"""Reads of support's claim screens: an order's claims (the order page's claims panel), the
shipments a new claim may be about, one claim, and the claims list."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet, Sum
from django.http import Http404
from django.shortcuts import get_object_or_404

from fulfillment.models import Shipment, ShipmentLine, ShipmentState
from returns.models import ClaimLine, ShipmentClaim

LIST_LIMIT = 500

# A parcel that has left the warehouse: what a claim may be about.
LEFT_STATES = frozenset(
    {
        ShipmentState.SHIPPED,
        ShipmentState.IN_TRANSIT,
        ShipmentState.OUT_FOR_DELIVERY,
        ShipmentState.EXCEPTION,
        ShipmentState.DELIVERED,
        ShipmentState.RETURNED_TO_SENDER,
    }
)


def claimable_units(shipment: Shipment) -> dict[int, int]:
    """{order line id: units of the parcel not claimed yet} (what a new claim may name)."""
    packed = dict(
        ShipmentLine.objects.filter(shipment=shipment)
        .values("order_line")
        .annotate(n=Sum("quantity"))
        .values_list("order_line", "n")
    )
    claimed = dict(
        ClaimLine.objects.filter(claim__shipment=shipment)
        .values("order_line")
        .annotate(n=Sum("quantity"))
        .values_list("order_line", "n")
    )
    return {line_id: max(n - claimed.get(line_id, 0), 0) for line_id, n in packed.items()}


@dataclass
class ClaimableShipment:
    shipment: Shipment
    lines: list[tuple[Any, int]]  # (order line, units not claimed yet)
    form: Any = None  # the panel's form for a new claim on it


def _lines() -> Prefetch:
    return Prefetch("lines", queryset=ClaimLine.objects.select_related("order_line").order_by("pk"))


def claims_for_order(order: Any) -> list[ShipmentClaim]:
    return list(
        ShipmentClaim.objects.filter(order=order)
        .select_related("shipment", "replacement_order")
        .prefetch_related(_lines())
        .order_by("-created_at", "-pk")
    )


def claim_replaced_by(order: Any) -> ShipmentClaim | None:
    """The claim ``order`` is the free replacement for, if any (a claim's replacement order is
    linked to the order it replaces, so an order that replaces none needs no query)."""
    if order.replacement_for_id is None:
        return None
    return ShipmentClaim.objects.filter(replacement_order=order).select_related("order").first()


def claimable_shipments(order: Any) -> list[ClaimableShipment]:
    """The order's parcels that have left, with the units a new claim may still name (the same
    few queries however many parcels the order has)."""
    shipments = list(Shipment.objects.filter(order=order, state__in=list(LEFT_STATES)).order_by("pk"))
    if not shipments:
        return []
    ids = [shipment.pk for shipment in shipments]
    packed: dict[int, dict[int, int]] = defaultdict(dict)
    for shipment_id, line_id, n in (
        ShipmentLine.objects.filter(shipment_id__in=ids)
        .values("shipment_id", "order_line")
        .annotate(n=Sum("quantity"))
        .values_list("shipment_id", "order_line", "n")
    ):
        packed[shipment_id][line_id] = n
    claimed: dict[tuple[int, int], int] = {
        (shipment_id, line_id): n
        for shipment_id, line_id, n in ClaimLine.objects.filter(claim__shipment_id__in=ids)
        .values("claim__shipment_id", "order_line")
        .annotate(n=Sum("quantity"))
        .values_list("claim__shipment_id", "order_line", "n")
    }
    left = {
        shipment_id: {
            line_id: n - claimed.get((shipment_id, line_id), 0)
            for line_id, n in units.items()
            if n - claimed.get((shipment_id, line_id), 0) > 0
        }
        for shipment_id, units in packed.items()
    }
    wanted = {line_id for units in left.values() for line_id in units}
    # The order's lines: from its prefetch when the order page has read them (no query then).
    lines = {line.pk: line for line in order.lines.all() if line.pk in wanted} if wanted else {}
    return [
        ClaimableShipment(shipment, [(lines[pk], left[shipment.pk][pk]) for pk in sorted(left[shipment.pk])])
        for shipment in shipments
        if left.get(shipment.pk)
    ]


def claim_for_support_or_404(number: str) -> ShipmentClaim:
    if "\x00" in number:
        raise Http404
    return get_object_or_404(
        ShipmentClaim.objects.select_related("order", "shipment", "replacement_order").prefetch_related(_lines()),
        number=number,
    )


def claim_list(*, carrier_state: str = "", kind: str = "", resolution: str = "") -> QuerySet:
    """The newest claims first (at most ``LIST_LIMIT``), filtered."""
    qs = ShipmentClaim.objects.select_related("order", "shipment", "replacement_order")
    if carrier_state:
        qs = qs.filter(carrier_state=carrier_state)
    if kind:
        qs = qs.filter(kind=kind)
    if resolution == "open":
        qs = qs.filter(resolution="")
    elif resolution:
        qs = qs.filter(resolution=resolution)
    return qs.order_by("-created_at", "-pk")[:LIST_LIMIT]
