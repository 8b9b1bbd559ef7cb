"""Row locks of fulfillment, always in the same order: the order (``orders.locks``) first, then
the pick list, then its shipments and lines in pk order. Two pickers scanning one wave, and a
cancellation voiding it, wait for each other instead of deadlocking."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from fulfillment.models import PickLine, PickList, Shipment


def lock_pick_list(*, pick_list_id: int) -> PickList:
    return PickList.objects.select_for_update(of=("self",)).select_related("warehouse").get(pk=pick_list_id)


def lock_shipment(*, shipment_id: int) -> Shipment:
    return (
        Shipment.objects.select_for_update(of=("self",))
        .select_related("order", "warehouse", "carrier_service__carrier")
        .get(pk=shipment_id)
    )


def shipments_for_update(*, ids: Iterable[int]) -> QuerySet[Shipment]:
    return Shipment.objects.select_for_update(of=("self",)).filter(pk__in=list(ids)).order_by("pk")


def pick_lines_for_update(*, pick_list: PickList) -> QuerySet[PickLine]:
    """The list's lines in walking order, each with its shipment line, shipment, bin and product."""
    return (
        PickLine.objects.select_for_update(of=("self",))
        .filter(pick_list=pick_list)
        .select_related("shipment_line__shipment", "bin", "product")
        .order_by("sequence", "sku", "pk")
    )
