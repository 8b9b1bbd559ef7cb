"""The carrier choice for a real shipment: the policy of ``fulfillment.carriers.choice`` fed with
the carrier services stored as rows, the shipment's route (warehouse to the order's address), its
packed weight and its ship date.

Read only: packing asks here and stores the answer (``fulfillment.services.packing``, which also decides the ship date).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from fulfillment.carriers.choice import ANY_COUNTRY, ServiceChoice, ServiceOption, choose_service
from fulfillment.models import CarrierService
from fulfillment.regions import region_of


def active_services() -> list[CarrierService]:
    """The active services of the active carriers, with what the policy reads of each."""
    return list(
        CarrierService.objects.filter(active=True, carrier__active=True)
        .select_related("carrier")
        .prefetch_related("destinations", "rates")
        .order_by("carrier__name", "code")
    )


def service_option(service: CarrierService) -> ServiceOption:
    """A carrier service row as the policy sees it (its key is the row)."""
    cost_table: dict[str, list[list[Any]]] = defaultdict(list)
    for rate in service.rates.all():
        cost_table[rate.country or ANY_COUNTRY].append([rate.max_weight_grams, str(rate.price)])
    destinations = list(service.destinations.all())
    return ServiceOption(
        key=service,
        carrier=service.carrier.name,
        service=service.name,
        countries=frozenset(d.country for d in destinations),
        max_weight_grams=service.max_weight_grams,
        transit_days={d.country: d.transit_days for d in destinations},
        delivery_weekdays=frozenset(service.delivery_weekdays or ()),
        cost_table=dict(cost_table),
        # Express services cost more and are only chosen when the cheaper ones are late.
        priority=200 if service.is_express else 100,
    )


def choose_for_shipment(
    shipment: Any,
    *,
    weight_grams: int,
    ship_date: datetime.date,
    services: Iterable[CarrierService] | None = None,
) -> ServiceChoice:
    """The carrier service for ``shipment`` weighing ``weight_grams`` leaving on ``ship_date`` (all
    active services, or only ``services``), with its expected delivery date and the reason."""
    order, warehouse = shipment.order, shipment.warehouse
    rows = list(services) if services is not None else active_services()
    return choose_service(
        [service_option(row) for row in rows],
        destination=region_of(country=order.shipping_country, postcode=order.shipping_postcode),
        origin=region_of(country=warehouse.country, postcode=warehouse.postal_code),
        weight_grams=weight_grams,
        ship_date=ship_date,
        deliver_by=shipment.promised_delivery_date,
    )
