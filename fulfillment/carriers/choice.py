"""Which carrier service a shipment goes with, and why: a policy that returns its choice and reason.

The rule, over the active services of the active carriers:

1. A service qualifies when its carrier delivers to the destination country and the shipment's
   weight is within the service's limit (and its cost table has a price for that weight there).
2. Each qualifying service gets its expected delivery date (``fulfillment.eta``) from the ship
   date, its transit days to that country, its delivery weekdays and both ends' holidays.
3. When the order must arrive by a date, the services that make it are kept; when none does, the
   fastest is chosen and the reason says the promise cannot be kept.
4. Of those kept, the cheapest wins; a tie goes to the earlier delivery, then the lower priority.

The reasons are ``oms.texts`` specs, so a stored choice reads in each reader's language.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext_lazy as _

from fulfillment.eta import Estimate, delivery_date
from fulfillment.regions import Region
from oms.texts import Spec, text

# Cost tables: {"DE": [[max grams, "price"], ...], "*": [...]}; "*" is every other country.
ANY_COUNTRY = "*"


@dataclass(frozen=True)
class ServiceOption:
    """What the policy needs to know of one carrier service (built from the rows, or by tests)."""

    key: Any  # the CarrierService row or its pk: handed back in the choice
    carrier: str
    service: str
    countries: frozenset[str]
    max_weight_grams: int
    transit_days: Mapping[str, int]  # per country; "*" for the rest
    delivery_weekdays: frozenset[int]
    cost_table: Mapping[str, Sequence[Sequence[Any]]]
    priority: int = 100

    @property
    def name(self) -> str:
        return f"{self.carrier} {self.service}"

    def serves(self, country: str) -> bool:
        return country in self.countries or ANY_COUNTRY in self.countries

    def transit_days_to(self, country: str) -> int | None:
        days = self.transit_days.get(country, self.transit_days.get(ANY_COUNTRY))
        return int(days) if days is not None else None

    def cost(self, country: str, weight_grams: int) -> Decimal | None:
        """The cheapest rate for the country (or every country) that takes ``weight_grams``."""
        bands = [*self.cost_table.get(country, ()), *self.cost_table.get(ANY_COUNTRY, ())]
        prices = []
        for limit, price in bands:
            if weight_grams <= int(limit):
                try:
                    prices.append(Decimal(str(price)))
                except InvalidOperation:
                    continue
        return min(prices) if prices else None


@dataclass(frozen=True)
class Candidate:
    option: ServiceOption
    cost: Decimal
    estimate: Estimate


@dataclass(frozen=True)
class ServiceChoice:
    """The chosen service (None when no service can take the shipment), its cost and expected
    delivery, why it was chosen, and why each other service was not."""

    option: ServiceOption | None
    cost: Decimal | None
    estimate: Estimate | None
    reason: Spec
    rejected: tuple[tuple[ServiceOption, Spec], ...] = field(default_factory=tuple)
    meets_promise: bool = True

    @property
    def chosen(self) -> bool:
        return self.option is not None


def choose_service(
    options: Iterable[ServiceOption],
    *,
    destination: Region,
    origin: Region,
    weight_grams: int,
    ship_date: datetime.date,
    deliver_by: datetime.date | None = None,
) -> ServiceChoice:
    """The service for a shipment of ``weight_grams`` from ``origin`` to ``destination`` handed
    over on ``ship_date`` (rule in the module docstring)."""
    candidates: list[Candidate] = []
    rejected: list[tuple[ServiceOption, Spec]] = []
    for option in options:
        why_not = _why_not(option, destination=destination, weight_grams=weight_grams)
        if why_not:
            rejected.append((option, why_not))
            continue
        cost = option.cost(destination.country, weight_grams)
        estimate = delivery_date(
            ship_date=ship_date,
            transit_days=option.transit_days_to(destination.country) or 0,
            delivery_weekdays=option.delivery_weekdays,
            origin=origin,
            destination=destination,
        )
        candidates.append(Candidate(option, cost, estimate))  # type: ignore[arg-type]  # _why_not checked it
    if not candidates:
        return ServiceChoice(
            None,
            None,
            None,
            text(
                _("No carrier service takes %(grams)s g to %(country)s."),
                grams=weight_grams,
                country=destination.country,
            ),
            tuple(rejected),
            meets_promise=False,
        )
    in_time = [c for c in candidates if deliver_by is None or c.estimate.date <= deliver_by]
    if not in_time:
        fastest = min(candidates, key=lambda c: (c.estimate.date, c.cost, c.option.priority, c.option.name))
        rejected += [(c.option, _late(c, deliver_by)) for c in candidates if c is not fastest]
        return ServiceChoice(
            fastest.option,
            fastest.cost,
            fastest.estimate,
            text(
                _("No service arrives by %(date)s; %(service)s is the fastest (%(eta)s)."),
                date=deliver_by.isoformat(),  # type: ignore[union-attr]  # not in_time means a date was given
                service=fastest.option.name,
                eta=fastest.estimate.date.isoformat(),
            ),
            tuple(rejected),
            meets_promise=False,
        )
    best = min(in_time, key=lambda c: (c.cost, c.estimate.date, c.option.priority, c.option.name))
    for c in candidates:
        if c is best:
            continue
        if c not in in_time:
            rejected.append((c.option, _late(c, deliver_by)))
        else:
            rejected.append((c.option, text(_("%(cost)s EUR, dearer or slower than the choice."), cost=str(c.cost))))
    reason = (
        text(
            _("%(service)s: the cheapest (%(cost)s EUR) that arrives by %(date)s (expected %(eta)s)."),
            service=best.option.name,
            cost=str(best.cost),
            date=deliver_by.isoformat(),
            eta=best.estimate.date.isoformat(),
        )
        if deliver_by
        else text(
            _("%(service)s: the cheapest (%(cost)s EUR), expected %(eta)s."),
            service=best.option.name,
            cost=str(best.cost),
            eta=best.estimate.date.isoformat(),
        )
    )
    return ServiceChoice(best.option, best.cost, best.estimate, reason, tuple(rejected))


def _why_not(option: ServiceOption, *, destination: Region, weight_grams: int) -> Spec | None:
    if not option.serves(destination.country):
        return text(_("Does not deliver to %(country)s."), country=destination.country)
    if weight_grams > option.max_weight_grams:
        return text(
            _("%(grams)s g is over its limit of %(limit)s g."), grams=weight_grams, limit=option.max_weight_grams
        )
    if option.transit_days_to(destination.country) is None or option.cost(destination.country, weight_grams) is None:
        return text(_("Has no price for %(grams)s g to %(country)s."), grams=weight_grams, country=destination.country)
    return None


def _late(candidate: Candidate, deliver_by: datetime.date | None) -> Spec:
    return text(
        _("Expected %(eta)s, after %(date)s."),
        eta=candidate.estimate.date.isoformat(),
        date=deliver_by.isoformat() if deliver_by else "",
    )
