"""Demo data for fulfillment (seeder ``fulfillment``, order 50, after the orders and the carriers):
orders in every stage of the warehouse and the carriers, each reached through the real services.

In the demo warehouse (the first active one, Leipzig) a small shelf of demo bins is stocked by a
receipt; then, per stage, an order of the web shop (split shipments allowed) or the marketplace
(not allowed) is placed and driven there:

- planned (pick list built), picking (one unit scanned), picked (waiting to be packed), packed
  (its label still waiting for a worker: the hand-over is held, as if the broker were away),
  labelled, shipped, in transit, out for delivery, delivered, exception (address problem),
  held in the warehouse (address problem found while picking);
- a short pick taken from another bin, a short pick of a split order (what was picked shipped,
  the rest backordered) and a short pick of an order that may not ship in parts (backordered,
  its picked units back in their bin).

Idempotent: does nothing when any shipment exists. Tracking events lie in the past of ``now``.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from fulfillment.carriers.base import TrackingUpdate
from fulfillment.models import (
    PackageType,
    PickLine,
    PickList,
    ReturnParcel,
    ReturnParcelState,
    Shipment,
    TrackingSource,
)
from fulfillment.services.holds import hold_shipment
from fulfillment.services.labels import book_label
from fulfillment.services.packing import PackageSpec, pack_shipment
from fulfillment.services.picking import open_lines, report_short_pick, scan_pick
from fulfillment.services.planning import build_pick_list_for_order
from fulfillment.services.return_labels import book_return_label
from fulfillment.services.shipping import ship_shipment
from fulfillment.services.tracking import record_tracking_event_by_hand, record_tracking_updates
from inventory.models import BinLocation, Product, Warehouse
from inventory.services.stock import receive_stock
from oms import outbox
from orders.models import Channel, Order, OrderState, PaymentMethod
from orders.services.drafts import AddressDraft, CustomerDraft, LineDraft, OrderDraft
from orders.services.intake import place_order

SEED = 5050
ACTOR = "system:seed"
# Demo bins at the end of the walk, so the catalogue's own stock stays as the inventory seeder left it.
BINS = [("Z-90-01", 9001), ("Z-90-02", 9002), ("Z-91-01", 9101)]
UNITS_PER_BIN = 40
ADDRESSES = [
    ("Anna Müller", "Lindenallee 4", "80331", "München"),
    ("Lukas Schmidt", "Hauptstraße 17", "10115", "Berlin"),
    ("Mia Fischer", "Am Markt 2", "50667", "Köln"),
    ("Jonas Weber", "Bahnhofstraße 9", "20095", "Hamburg"),
    ("Lena Wagner", "Gartenweg 21", "01067", "Dresden"),
]
# Every stage the demo shows, in the order they are seeded.
STAGES = [
    "planned",
    "picking",
    "picked",
    "packed",
    "labelled",
    "shipped",
    "in_transit",
    "out_for_delivery",
    "delivered",
    "exception",
    "on_hold",
    "short_pick_other_bin",
    "short_pick_split",
    "short_pick_backordered",
]


def send_return_parcel(reference: str, *states: str, location: str = "Leipzig") -> ReturnParcel | None:
    """Demo data for a return parcel (``returns`` seeds them): its label booked (the step a
    worker runs; one that runs it later finds it done), then the carrier's ``states`` for its
    number, as a CSV upload would bring them, in the past of now. None without a return parcel
    (no carrier of the order books return labels)."""
    parcel = ReturnParcel.objects.filter(reference=reference).first()
    if parcel is None:
        return None
    if parcel.state == ReturnParcelState.REQUESTED:
        book_return_label(parcel.pk)
        parcel.refresh_from_db()
    at = timezone.now() - datetime.timedelta(hours=len(states) + 1)
    for state in states:
        at += datetime.timedelta(minutes=50)
        record_tracking_updates(
            updates=[
                TrackingUpdate(
                    tracking_number=parcel.tracking_number,
                    status_code=state,
                    state=state,
                    occurred_at=at,
                    location=location,
                )
            ],
            source=TrackingSource.CSV,
        )
    parcel.refresh_from_db()
    return parcel


def _say(stdout: Any, text: str) -> None:
    if stdout is not None:
        stdout.write(text)


def seed_fulfillment(*, stdout: Any = None, scale: float = 1.0, **_: Any) -> None:
    if Shipment.objects.exists():
        _say(stdout, "fulfillment: shipments exist, skipped")
        return
    warehouse = Warehouse.objects.filter(active=True).order_by("priority", "code").first()
    channels = {c.code: c for c in Channel.objects.filter(code__in=["web", "marketplace"])}
    sellable = Product.objects.filter(active=True, is_preorder=False, weight_grams__gt=0).order_by("sku")
    # The short-picked product has no stock anywhere else, so its missing unit cannot come from
    # another bin or warehouse; the other two are any sellable products.
    short = sellable.exclude(stock_levels__on_hand__gt=0).first()
    products = [*sellable.exclude(pk=getattr(short, "pk", None))[:2], short]
    if warehouse is None or len(channels) < 2 or None in products or len(products) < 3:
        _say(stdout, "fulfillment: no warehouse, channels or products (run the earlier seeders first), skipped")
        return
    rng = random.Random(SEED)
    demo = Demo(warehouse=warehouse, channels=channels, products=products, rng=rng)
    demo.stock_bins()
    per_stage = 2 if scale >= 1 else 1
    for stage in STAGES:
        # The short picks once each: their product has only the units the demo books for them.
        for _n in range(1 if stage.startswith("short_pick") else per_stage):
            getattr(demo, stage)()
    _say(stdout, f"fulfillment: {Shipment.objects.count()} shipments in {len(STAGES)} stages")


class Demo:
    """Places the demo orders and drives each to its stage through the services."""

    def __init__(
        self, *, warehouse: Warehouse, channels: dict[str, Channel], products: list[Product], rng: random.Random
    ) -> None:
        self.warehouse = warehouse
        self.channels = channels
        self.products = products  # [main, second, short]
        self.rng = rng
        self.count = 0

    # -- data ------------------------------------------------------------------------------------

    def stock_bins(self) -> None:
        """The demo shelf: the first product in one bin, the second in two (a short pick there is
        taken from the other), the third in one bin with a single unit per demo order (short)."""
        bins = {}
        for code, sequence in BINS:
            bins[code], _created = BinLocation.objects.get_or_create(
                warehouse=self.warehouse, code=code, defaults={"pick_sequence": sequence}
            )
        main, second, _short = self.products
        for product, code in ((main, "Z-90-01"), (second, "Z-90-02"), (second, "Z-91-01")):
            receive_stock(
                product=product,
                warehouse=self.warehouse,
                quantity=UNITS_PER_BIN,
                bin=bins[code],
                reason="Demo-Wareneingang Versand",
                reference="seed:fulfillment",
            )

    def _order(self, lines: dict[Product, int], *, channel: str = "web") -> Order:
        self.count += 1
        name, street, postcode, city = ADDRESSES[self.count % len(ADDRESSES)]
        address = AddressDraft(name=name, street=street, postcode=postcode, city=city, country="DE")
        email = f"versand.demo{self.count}@example.de"
        marketplace = channel == "marketplace"
        draft = OrderDraft(
            customer=CustomerDraft(email=email, name=name),
            billing_address=address,
            shipping_address=address,
            lines=[
                LineDraft(sku=p.sku, quantity=q, unit_price=p.gross_price or Decimal("9.90")) for p, q in lines.items()
            ],
            shipping_total=Decimal("4.90"),
            payment_method=PaymentMethod.MARKETPLACE if marketplace else PaymentMethod.INVOICE,
            payment_captured=marketplace,
            external_id=f"{channel}-fulfillment-demo-{self.count}",
            placed_at=timezone.now() - datetime.timedelta(hours=self.rng.randint(2, 20)),
        )
        return place_order(channel=self.channels[channel], draft=draft, actor_label=ACTOR).order

    def _pick_list(self, lines: dict[Product, int] | None = None, *, channel: str = "web") -> PickList:
        order = self._order(lines or {self.products[0]: self.rng.choice([1, 2])}, channel=channel)
        return build_pick_list_for_order(order=order, warehouse=self.warehouse)

    def _pick(self, pick_list: PickList) -> Shipment:
        while True:
            todo = open_lines(list(pick_list.lines.select_related("shipment_line__shipment", "product", "bin")))
            if not todo:
                return Shipment.objects.get(pick_list=pick_list)
            scan_pick(pick_list=pick_list, code=todo[0].sku)

    def _pack(self, shipment: Shipment) -> Shipment:
        box = PackageType.objects.filter(active=True).order_by("tare_grams", "code").first()
        box = (
            box
            or PackageType.objects.get_or_create(
                code="demo-karton-m",
                defaults={"name": "Karton M", "length_mm": 300, "width_mm": 200, "height_mm": 150, "tare_grams": 150},
            )[0]
        )
        lines = list(shipment.lines.select_related("product").filter(quantity_picked__gt=0))
        scans = [line.product.sku for line in lines for _unit in range(line.quantity_picked)]
        grams = box.tare_grams + sum(line.product.weight_grams * line.quantity_picked for line in lines)
        return pack_shipment(shipment=shipment, scans=scans, packages=[PackageSpec(box, max(grams, 100))])

    def _labelled(self) -> Shipment:
        shipment = self._pack(self._pick(self._pick_list()))
        # The booking the label message asks for (a worker that runs it later finds it done).
        book_label(shipment.pk)
        return Shipment.objects.get(pk=shipment.pk)

    def _shipped(self) -> Shipment:
        return ship_shipment(shipment=self._labelled())

    def _track(self, shipment: Shipment, *states: str, reason: str = "") -> None:
        at = timezone.now() - datetime.timedelta(hours=len(states) + 1)
        for state in states:
            at += datetime.timedelta(minutes=50)
            record_tracking_event_by_hand(
                shipment=Shipment.objects.get(pk=shipment.pk),
                state=state,
                occurred_at=at,
                reason=reason if state == "exception" else "",
                location=self.rng.choice(["Leipzig", "Radefeld", "Augsburg", "Köln-Eifeltor"]),
            )

    # -- stages ----------------------------------------------------------------------------------

    def planned(self) -> None:
        self._pick_list()

    def picking(self) -> None:
        pick_list = self._pick_list({self.products[0]: 2})
        scan_pick(pick_list=pick_list, code=self.products[0].sku)

    def picked(self) -> None:
        self._pick(self._pick_list())

    def packed(self) -> None:
        shipment = self._pick(self._pick_list())
        with outbox.hand_overs_held():  # the label waits for a worker
            self._pack(shipment)

    def labelled(self) -> None:
        self._labelled()

    def shipped(self) -> None:
        self._shipped()

    def in_transit(self) -> None:
        self._track(self._shipped(), "in_transit")

    def out_for_delivery(self) -> None:
        self._track(self._shipped(), "in_transit", "out_for_delivery")

    def delivered(self) -> None:
        self._track(self._shipped(), "in_transit", "out_for_delivery", "delivered")

    def exception(self) -> None:
        self._track(self._shipped(), "in_transit", "exception", reason="address")

    def on_hold(self) -> None:
        pick_list = self._pick_list()
        shipment = Shipment.objects.get(pick_list=pick_list)
        hold_shipment(shipment=shipment, reason="Hausnummer fehlt auf dem Adressetikett")

    def short_pick_other_bin(self) -> None:
        pick_list = self._pick_list({self.products[1]: 1})
        line = PickLine.objects.filter(pick_list=pick_list).first()
        report_short_pick(pick_line=line, quantity=1)
        self._pick(pick_list)

    def short_pick_split(self) -> None:
        self._short(channel="web")

    def short_pick_backordered(self) -> None:
        self._short(channel="marketplace")

    def _short(self, *, channel: str) -> None:
        """Two units of the third product are on the books in a demo bin; one is missing."""
        main, _second, short = self.products
        shelf = BinLocation.objects.get(warehouse=self.warehouse, code="Z-91-01")
        receive_stock(
            product=short, warehouse=self.warehouse, quantity=2, bin=shelf, reason="Demo", reference="seed:fulfillment"
        )
        order = self._order({short: 2, main: 1}, channel=channel)
        if order.state == OrderState.BACKORDERED:
            # The split demo's backorder took a unit of this receipt when it allocated itself
            # (after commit): one more unit lets this order allocate too.
            receive_stock(
                product=short,
                warehouse=self.warehouse,
                quantity=1,
                bin=shelf,
                reason="Demo",
                reference="seed:fulfillment",
            )
            order.refresh_from_db()
        if order.state != OrderState.ALLOCATED:
            return
        pick_list = build_pick_list_for_order(order=order, warehouse=self.warehouse)
        line = PickLine.objects.filter(pick_list=pick_list, product=short, bin=shelf).first()
        if line is None:  # the units went elsewhere: no short pick to show
            return
        report_short_pick(pick_line=line, quantity=1)
        if channel == "web":  # what was picked ships, the rest is backordered when it leaves
            shipment = self._pick(pick_list)
            shipment = self._pack(shipment)
            book_label(shipment.pk)
            ship_shipment(shipment=Shipment.objects.get(pk=shipment.pk))
