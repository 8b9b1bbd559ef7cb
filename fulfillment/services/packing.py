"""Packing: verify every picked item by scanning, put it into one or more packages, close.

``pack_shipment`` gets everything the packer did on the screen at once: the codes scanned (SKU or
GTIN, one per unit) and the packages (box, weight, and for several packages which units went
where). Missing or extra items block closing with a list of both; nothing is saved then.

Closing chooses the carrier service (``fulfillment.carrier_selectors``: the carrier choice policy
over the stored services, for the packed weight and the order's address; a service chosen before,
by the wave or the packer, only has to take the parcel), sets the shipment's expected delivery
date (and its promised one, unless one was promised before) and asks for the label through the
outbox (``labels.request_label``), all in the packing transaction: the shipment is ``packed``
with its label requested, or nothing happened.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from fulfillment import locks
from fulfillment.carrier_selectors import active_services, choose_for_shipment
from fulfillment.exceptions import PackageError, PackingError
from fulfillment.models import (
    CarrierService,
    Package,
    PackageItem,
    PackageType,
    PickLine,
    Shipment,
    ShipmentLine,
    ShipmentState,
)
from fulfillment.services import timeline
from fulfillment.services.labels import request_label
from fulfillment.services.transitions import apply_shipment_transition
from oms.exceptions import IllegalTransitionError
from oms.texts import render
from orders import locks as order_locks
from orders.services import promising


@dataclass(frozen=True)
class PackageSpec:
    """One parcel: its box, its weight in grams (as weighed: contents and box), and for a
    shipment of several parcels the units per shipment line id it holds."""

    package_type: PackageType
    weight_grams: int
    items: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ScanCheck:
    """Scanned against picked, per SKU: what is missing and what is extra."""

    missing: dict[str, int]
    extra: dict[str, int]

    @property
    def complete(self) -> bool:
        return not self.missing and not self.extra


def check_scans(shipment: Shipment, scans: list[str]) -> ScanCheck:
    """Compare the scanned codes (SKU or GTIN) with what was picked for ``shipment``."""
    lines = list(shipment.lines.select_related("product"))
    expected: Counter[str] = Counter()
    codes: dict[str, str] = {}
    for line in lines:
        expected[line.product.sku] += line.quantity_picked
        codes[line.product.sku.upper()] = line.product.sku
        if line.product.gtin:
            codes[line.product.gtin] = line.product.sku
    seen: Counter[str] = Counter()
    for code in scans:
        code = (code or "").strip()
        if code:
            seen[codes.get(code.upper(), codes.get(code, code))] += 1
    missing = {sku: n - seen[sku] for sku, n in expected.items() if n > seen[sku]}
    extra = {sku: n - expected[sku] for sku, n in seen.items() if n > expected[sku]}
    return ScanCheck(missing=missing, extra=extra)


@transaction.atomic
def pack_shipment(
    *,
    shipment: Shipment,
    scans: list[str],
    packages: list[PackageSpec],
    carrier_service: CarrierService | None = None,
    user: Any = None,
) -> Shipment:
    """picking -> packed, with the carrier service chosen and the label requested (module
    docstring). Raises ``PackingError`` (items missing or extra, picking not finished) or
    ``PackageError`` (no package, a bad weight or box, units not adding up, no carrier service
    that takes the parcel there); nothing is saved then."""
    order_locks.lock_order(order_id=shipment.order_id)
    shipment = locks.lock_shipment(shipment_id=shipment.pk)
    _ensure_picked(shipment)
    check = check_scans(shipment, scans)
    if not check.complete:
        raise PackingError(_describe(check), data={"missing": check.missing, "extra": check.extra})
    lines = list(ShipmentLine.objects.filter(shipment=shipment, quantity_picked__gt=0).order_by("pk"))
    contents = _contents(lines, packages)
    service = carrier_service or shipment.carrier_service
    total = sum(p.weight_grams for p in packages)
    if service is not None and total > service.max_weight_grams:
        raise PackageError(
            _("%(weight)d g is over the weight limit of %(service)s (%(limit)d g).")
            % {"weight": total, "service": service, "limit": service.max_weight_grams},
            data={"field": "weight_grams"},
        )
    now = timezone.now()
    choice = _choose_service(shipment, service, weight_grams=total, now=now)
    created = Package.objects.bulk_create(
        [
            Package(
                shipment=shipment,
                number=i,
                package_type=spec.package_type,
                weight_grams=spec.weight_grams,
                created_at=now,
            )
            for i, spec in enumerate(packages, start=1)
        ]
    )
    PackageItem.objects.bulk_create(
        [
            PackageItem(package=package, shipment_line_id=line_id, quantity=units)
            for package, items in zip(created, contents, strict=True)
            for line_id, units in items.items()
        ]
    )
    for line in lines:
        line.quantity_packed = line.quantity_picked
    ShipmentLine.objects.bulk_update(lines, ["quantity_packed"])
    shipment.carrier_service = choice.option.key
    if choice.estimate is not None:
        shipment.expected_delivery_date = choice.estimate.date
        if shipment.promised_delivery_date is None:
            shipment.promised_delivery_date = choice.estimate.date
    actor = user if getattr(user, "pk", None) else None
    from_state = apply_shipment_transition(
        shipment,
        "pack",
        kwargs={"user": actor, "weight_grams": total},
        extra_fields=("carrier_service", "expected_delivery_date", "promised_delivery_date"),
    )
    timeline.shipment_packed(shipment, packages=len(created), from_state=from_state, user=user)
    request_label(shipment)
    return shipment


def _choose_service(shipment: Shipment, service: CarrierService | None, *, weight_grams: int, now: Any) -> Any:
    """The carrier policy's choice for the packed parcel: among every active service, or only
    ``service`` when one was chosen before (it must still take the parcel there)."""
    services = None
    if service is not None:
        services = [s for s in active_services() if s.pk == service.pk]
        if not services:
            raise PackageError(
                _("%(service)s is not an active carrier service.") % {"service": service},
                data={"field": "carrier_service"},
            )
    choice = choose_for_shipment(
        shipment, weight_grams=weight_grams, ship_date=ship_date_for(shipment, now=now), services=services
    )
    if not choice.chosen:
        reason = render(choice.rejected[0][1]) if services and choice.rejected else render(choice.reason)
        raise PackageError(
            _("No carrier service can take this parcel: %(reason)s") % {"reason": reason},
            data={"field": "carrier_service"},
        )
    return choice


def _ensure_picked(shipment: Shipment) -> None:
    if shipment.state != ShipmentState.PICKING:
        raise IllegalTransitionError(obj=shipment, action=_("pack"), state=shipment.get_state_display())
    open_units = sum(p.quantity_open for p in PickLine.objects.filter(shipment_line__shipment=shipment))
    if open_units:
        raise PackingError(
            _("Shipment %(reference)s still has %(units)d units to pick.")
            % {"reference": shipment.reference, "units": open_units}
        )
    if (
        not ShipmentLine.objects.filter(shipment=shipment, quantity_picked__gt=0).exists()
        and shipment.state == "picking"
    ):
        raise PackingError(_("Nothing was picked for shipment %(reference)s.") % {"reference": shipment.reference})


def _describe(check: ScanCheck) -> str:
    parts = []
    if check.missing:
        parts.append(_("missing: %(items)s") % {"items": ", ".join(f"{n} x {sku}" for sku, n in check.missing.items())})
    if check.extra:
        parts.append(
            _("not in this shipment: %(items)s")
            % {"items": ", ".join(f"{n} x {sku}" for sku, n in check.extra.items())}
        )
    return _("The shipment cannot be closed (%(problems)s).") % {"problems": "; ".join(parts)}


def _contents(lines: list[ShipmentLine], packages: list[PackageSpec]) -> list[dict[int, int]]:
    """Units per shipment line for each package; one package takes everything."""
    if not packages:
        raise PackageError(_("Add at least one package."), data={"field": "packages"})
    for spec in packages:
        if not isinstance(spec.package_type, PackageType) or not spec.package_type.active:
            raise PackageError(_("Choose a package type."), data={"field": "package_type"})
        if not isinstance(spec.weight_grams, int) or isinstance(spec.weight_grams, bool) or spec.weight_grams < 1:
            raise PackageError(_("Enter the weight in grams (1 or more)."), data={"field": "weight_grams"})
        if spec.weight_grams < spec.package_type.tare_grams:
            raise PackageError(
                _("%(weight)d g is less than the empty box (%(tare)d g).")
                % {"weight": spec.weight_grams, "tare": spec.package_type.tare_grams},
                data={"field": "weight_grams"},
            )
        limit = spec.package_type.max_weight_grams
        if limit and spec.weight_grams > limit:
            raise PackageError(
                _("%(weight)d g is more than %(box)s carries (%(limit)d g).")
                % {"weight": spec.weight_grams, "box": spec.package_type.name, "limit": limit},
                data={"field": "weight_grams"},
            )
    picked = {line.pk: line.quantity_picked for line in lines}
    if len(packages) == 1 and not packages[0].items:
        return [dict(picked)]
    placed: Counter[int] = Counter()
    for spec in packages:
        if not spec.items or any(line_id not in picked or units < 1 for line_id, units in spec.items.items()):
            raise PackageError(_("Say which items go into each package."), data={"field": "items"})
        placed.update(spec.items)
    if dict(placed) != picked:
        raise PackageError(_("The packages must hold every packed unit exactly once."), data={"field": "items"})
    return [dict(spec.items) for spec in packages]


def ship_date_for(shipment: Shipment, *, now: datetime.datetime) -> datetime.date:
    """The day ``shipment`` (still in the warehouse) leaves: its promised ship date, or the next
    day the warehouse ships when that has passed or none was promised."""
    warehouse = shipment.warehouse
    earliest = promising.ship_date(cutoff=warehouse.shipping_cutoff, country=warehouse.country, at=now)
    promised = shipment.promised_ship_date or shipment.order.promised_ship_date
    return max(promised, earliest) if promised else earliest
