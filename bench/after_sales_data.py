"""The orders and returns the after-sales page benchmark opens (``bench/pages_after_sales.py``).

Taken from the load data where it has them: an order with one shipment, one invoice and one
return, an order with several of each, a return of one line and one of several lines that the
warehouse can still receive. What the load lacks is made once through the real services, as a
shop would: three products each stocked in one warehouse of its own (product CSV import, goods
receipt into a bin), then two orders placed through intake, picked, packed, labelled, shipped,
invoiced and delivered (the order of three products splits into one shipment per warehouse), and
returns asked for and one unit received. Made objects carry external ids ``<channel>-bench-as-*``
and are found again on the next run; a set left half-made by a run that died is ignored.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

PREFIX = "bench-as"
SKUS = ("BENCH-AS-1", "BENCH-AS-2", "BENCH-AS-3")
SHELF = "Z-98-01"
UNITS = 2  # per order line


@dataclass
class AfterSalesSample:
    single: str  # order number: one shipment, one invoice, one return
    several: str  # order number: several shipments, invoices and returns
    rma_one_line: str  # a receivable return of one line
    rma_lines: str  # a receivable return of several lines, one unit received
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # order number -> what it has
    lines: dict[str, int] = field(default_factory=dict)  # RMA number -> its lines
    source: str = "load data"


def counts_of(order_id: int) -> dict[str, int]:
    from billing.models import Invoice
    from fulfillment.models import Shipment
    from returns.models import ReturnRequest

    return {
        "shipments": Shipment.objects.filter(order_id=order_id).count(),
        "invoices": Invoice.objects.filter(order_id=order_id).count(),
        "returns": ReturnRequest.objects.filter(order_id=order_id).count(),
    }


def _order_with(order_ids: Any, *, several: bool) -> int | None:
    """The first of ``order_ids`` with exactly one shipment, invoice and return (or at least two of each)."""
    for order_id in order_ids:
        c = counts_of(order_id)
        if (min(c.values()) >= 2) if several else (set(c.values()) == {1}):
            return order_id
    return None


def _rma_with(
    *, several_lines: bool, orders: tuple[int, ...] = (), states: tuple[str, ...] = (), loaded: bool = False
) -> str | None:
    from returns.models import ReturnLine
    from returns.services.receiving import RECEIVABLE

    rows = (
        ReturnLine.objects.filter(request__state__in=list(states or RECEIVABLE))
        .values("request_id", "request__number")
        .annotate(n=Count("pk"))
        .filter(**({"n__gte": 3} if several_lines else {"n": 1}))
        .order_by("request_id")
    )
    if orders:
        rows = rows.filter(request__order_id__in=orders)
    if loaded:  # not one this benchmark made
        rows = rows.exclude(request__order__external_id__contains=f"-{PREFIX}-")
    row = rows.first()
    return row["request__number"] if row else None


def from_load() -> AfterSalesSample | None:
    """The objects of the load data, or None when it lacks any of them."""
    from orders.models import Order
    from returns.models import ReturnRequest, ReturnState

    returned = (
        ReturnRequest.objects.exclude(order__external_id__contains=f"-{PREFIX}-")
        .values("order_id")
        .annotate(n=Count("pk"))
    )
    single = _order_with(
        returned.filter(n=1).order_by("order_id").values_list("order_id", flat=True)[:50], several=False
    )
    several = _order_with(
        returned.filter(n__gte=2).order_by("order_id").values_list("order_id", flat=True)[:50], several=True
    )
    # Both returns in the same state where the load has that (being received), for the query counts.
    received = (ReturnState.RECEIVED,)
    rma_one = _rma_with(several_lines=False, states=received, loaded=True) or _rma_with(
        several_lines=False, loaded=True
    )
    rma_lines = _rma_with(several_lines=True, states=received, loaded=True) or _rma_with(
        several_lines=True, loaded=True
    )
    if single is None or several is None or rma_one is None or rma_lines is None:
        return None
    numbers = dict(Order.objects.filter(pk__in=[single, several]).values_list("pk", "number"))
    return _sample(numbers[single], numbers[several], rma_one, rma_lines, source="load data")


def _sample(single: str, several: str, rma_one: str, rma_lines: str, *, source: str) -> AfterSalesSample:
    from orders.models import Order
    from returns.models import ReturnRequest

    ids = dict(Order.objects.filter(number__in=[single, several]).values_list("number", "pk"))
    lines = {
        r["number"]: r["n"]
        for r in ReturnRequest.objects.filter(number__in=[rma_one, rma_lines])
        .values("number")
        .annotate(n=Count("lines"))
    }
    return AfterSalesSample(
        single=single,
        several=several,
        rma_one_line=rma_one,
        rma_lines=rma_lines,
        counts={number: counts_of(pk) for number, pk in ids.items()},
        lines=lines,
        source=source,
    )


def made_before() -> AfterSalesSample | None:
    """The set an earlier run made, when it was finished."""
    from orders.models import Order
    from returns.models import ReturnState

    made = Order.objects.filter(external_id__contains=f"-{PREFIX}-").order_by("-pk").values_list("pk", "number")[:20]
    single = several = None
    for pk, number in made:
        c = counts_of(pk)
        if single is None and set(c.values()) == {1}:
            single = (pk, number)
        elif several is None and c["returns"] >= 2 and c["shipments"] >= 2 and c["shipments"] == c["invoices"]:
            several = (pk, number)
    if single is None or several is None:
        return None
    rma_one = _rma_with(several_lines=False, orders=(single[0],), states=(ReturnState.RECEIVED,))
    rma_lines = _rma_with(several_lines=True, orders=(several[0],), states=(ReturnState.RECEIVED,))
    if rma_one is None or rma_lines is None:
        return None
    return _sample(single[1], several[1], rma_one, rma_lines, source="made through the services by an earlier run")


def sample(log: Any = print) -> AfterSalesSample:
    """The load's objects, else those made earlier, else made now."""
    found = from_load() or made_before()
    if found is not None:
        return found
    log("  the load data has no returns (or no order with several): making them through the services")
    return make()


# --- making them through the services ---------------------------------------------------------------


def _products(warehouses: list[Any]) -> list[Any]:
    """One product per warehouse, stocked in a bin of that warehouse only."""
    from inventory.models import BinLocation, Product
    from inventory.services.imports import import_products_csv
    from inventory.services.stock import receive_stock

    skus = SKUS[: len(warehouses)]
    rows = "\n".join(f"{sku};Benchmark Rücksendeartikel {n};350;19,90;19" for n, sku in enumerate(skus, 1))
    import_products_csv(data="sku;name;weight_grams;gross_price;vat_rate\n" + rows + "\n")
    products = {p.sku: p for p in Product.objects.filter(sku__in=skus)}
    out = []
    for sku, warehouse in zip(skus, warehouses, strict=True):
        shelf, _created = BinLocation.objects.get_or_create(
            warehouse=warehouse, code=SHELF, defaults={"pick_sequence": 9801}
        )
        receive_stock(
            product=products[sku],
            warehouse=warehouse,
            quantity=UNITS * 3,
            bin=shelf,
            reason="Benchmark",
            reference="bench:after-sales",
        )
        out.append(products[sku])
    return out


def _ship_and_deliver(demo: Any, order: Any, warehouse: Any) -> None:
    """Pick list, picking, packing, label, hand-over, invoice and delivery of the order's units
    in ``warehouse``."""
    from billing.services.issuing import issue_invoice_for_shipment
    from fulfillment.models import Shipment
    from fulfillment.services.labels import book_label
    from fulfillment.services.planning import build_pick_list_for_order
    from fulfillment.services.shipping import ship_shipment

    pick_list = build_pick_list_for_order(order=order, warehouse=warehouse)
    shipment = demo._pack(demo._pick(pick_list))
    book_label(shipment.pk)
    shipment = ship_shipment(shipment=Shipment.objects.get(pk=shipment.pk))
    issue_invoice_for_shipment(shipment_id=shipment.pk)  # what billing's subscriber does after commit
    demo._track(shipment, "in_transit", "out_for_delivery", "delivered")


def _receive_one(rma: Any, sku: str) -> None:
    """One unit of the return is back (resellable, on the shelf): the screen shows a return being
    received, and both returns are in the same state."""
    from inventory.models import BinLocation
    from returns.models import Condition
    from returns.services.receiving import receive_unit, receiving_warehouse

    back_in = receiving_warehouse(rma)
    shelf, _created = BinLocation.objects.get_or_create(warehouse=back_in, code=SHELF, defaults={"pick_sequence": 9801})
    receive_unit(rma, code=sku, condition=Condition.RESELLABLE, bin=shelf)


def make() -> AfterSalesSample:
    from inventory.models import Warehouse
    from orders.models import Allocation, Channel
    from returns.models import ReturnReason
    from returns.seed import ReturnsDemo
    from returns.services.requests import create_return

    channel = Channel.objects.filter(allows_split_shipments=True).order_by("pk").first()
    warehouses = list(Warehouse.objects.filter(active=True).order_by("priority", "code")[:3])
    if channel is None or not warehouses:
        raise RuntimeError("no channel that ships in parts, or no active warehouse")
    products = _products(warehouses)
    demo = ReturnsDemo(warehouse=warehouses[0], channels={"web": channel}, products=products, rng=random.Random(98))
    demo.prefix = f"{PREFIX}-{uuid.uuid4().hex[:6]}"
    from django.utils import timezone

    demo.day = timezone.localdate()
    actor = "system:bench"

    single = demo._order({products[0]: UNITS})
    _ship_and_deliver(demo, single, warehouses[0])
    line = single.lines.order_by("pk")[0]
    rma_one = create_return(single, {line.pk: UNITS}, ReturnReason.DOES_NOT_FIT, by=None, actor_label=actor)
    _receive_one(rma_one, line.sku)

    # No warehouse has all three products: the order splits into a shipment per warehouse.
    several = demo._order({p: UNITS for p in products})
    allocated_in = set(Allocation.objects.filter(order_line__order=several).values_list("warehouse_id", flat=True))
    for warehouse in warehouses:
        if warehouse.pk in allocated_in:
            _ship_and_deliver(demo, several, warehouse)
    several_lines = list(several.lines.order_by("pk"))
    rma_lines = create_return(
        several, {line.pk: 1 for line in several_lines}, ReturnReason.CHANGED_MIND, by=None, actor_label=actor
    )
    _receive_one(rma_lines, several_lines[0].sku)
    create_return(several, {several_lines[-1].pk: 1}, ReturnReason.DAMAGED, by=None, actor_label=actor)
    return _sample(single.number, several.number, rma_one.number, rma_lines.number, source="made through the services")


def portal_sample(marker_samples: dict[str, Any], fallback: AfterSalesSample | None) -> tuple[str, str] | None:
    """Order number and e-mail for the portal lookup: the load's sample order, else the made one."""
    from orders.models import Order

    number, email = marker_samples.get("number"), marker_samples.get("email")
    if number and email and Order.objects.filter(number=number, email=email).exists():
        return number, email
    if fallback is not None:
        row = Order.objects.filter(number=fallback.single).values_list("number", "email").first()
        if row and row[1]:
            return row[0], row[1]
    return None
