"""Routing (sourcing): which warehouse(s) ship an order. A policy: pure rules, no queries, no
writes, so allocation (which acts on a decision) and the order page (which explains a stored one)
both use it. The table-driven test in ``tests/orders/test_routing.py`` is its specification.

1. A single warehouse that can ship every line wins; among several, one in the customer's
   country first, then the lowest ``priority`` number, then the code.
2. Otherwise, if the channel allows split shipments: the fewest warehouses that together hold
   every line (same preferences as tie-breakers; a product may come from several of them).
3. Otherwise the order waits as backordered.

Every decision carries a reason code, parameters and a readable message; ``explain()`` renders
the message again in the current language (support pages: "why this warehouse").
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# Beyond this many warehouses an exhaustive search for the fewest shipments is replaced by a
# greedy one (still correct, possibly one shipment more).
EXHAUSTIVE_LIMIT = 10


class Kind:
    SINGLE = "single"
    SPLIT = "split"
    BACKORDER = "backorder"


@dataclass(frozen=True)
class WarehouseOption:
    id: int
    code: str
    country: str
    priority: int
    cutoff: datetime.time | None = None  # daily shipping cut-off, for the promised ship date


@dataclass(frozen=True)
class RoutingDecision:
    """``picks``: per product, the (warehouse id, quantity) to reserve; empty when backordered."""

    kind: str
    code: str
    params: dict[str, Any]
    picks: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    warehouse_ids: tuple[int, ...] = ()

    @property
    def message(self) -> str:
        return explain({"code": self.code, "params": self.params})

    @property
    def allocates(self) -> bool:
        return self.kind != Kind.BACKORDER

    def as_json(self) -> dict[str, Any]:
        """What the order stores in ``Order.routing`` and the timeline event's data."""
        return {
            "kind": self.kind,
            "code": self.code,
            "params": self.params,
            "message": self.message,
            "warehouse_ids": list(self.warehouse_ids),
            "picks": {str(p): [list(x) for x in v] for p, v in self.picks.items()},
        }


def _preference(w: WarehouseOption, country: str) -> tuple[int, int, str]:
    return (0 if w.country == country else 1, w.priority, w.code)


def _can_ship_all(w: WarehouseOption, needs: Mapping[int, int], availability: Mapping[int, Mapping[int, int]]) -> bool:
    return all(availability.get(p, {}).get(w.id, 0) >= q for p, q in needs.items())


def _covers(combo: Sequence[WarehouseOption], needs, availability) -> bool:
    return all(sum(max(availability.get(p, {}).get(w.id, 0), 0) for w in combo) >= q for p, q in needs.items())


def _picks_from(combo: Sequence[WarehouseOption], needs, availability) -> dict[int, list[tuple[int, int]]]:
    """Take each product from the combination's warehouses in preference order."""
    picks: dict[int, list[tuple[int, int]]] = {}
    for product_id, quantity in needs.items():
        rest = quantity
        for w in combo:
            if rest <= 0:
                break
            take = min(rest, max(availability.get(product_id, {}).get(w.id, 0), 0))
            if take > 0:
                picks.setdefault(product_id, []).append((w.id, take))
                rest -= take
    # A warehouse that ended up contributing nothing is not a shipment.
    return picks


def route(
    *,
    needs: Mapping[int, int],
    availability: Mapping[int, Mapping[int, int]],
    warehouses: Sequence[WarehouseOption],
    ship_country: str,
    allow_split: bool,
    channel_name: str = "",
) -> RoutingDecision:
    """Decide where ``needs`` ({product_id: quantity}) ship from, given ``availability``
    ({product_id: {warehouse_id: available}}) in active ``warehouses``."""
    needs = {p: q for p, q in needs.items() if q > 0}
    ranked = sorted(warehouses, key=lambda w: _preference(w, ship_country))
    if not needs:
        return RoutingDecision(Kind.SINGLE, "nothing_to_allocate", {})

    candidates = [w for w in ranked if _can_ship_all(w, needs, availability)]
    if candidates:
        chosen = candidates[0]
        params: dict[str, Any] = {
            "warehouse": chosen.code,
            "country": ship_country,
            "priority": chosen.priority,
            "candidates": [w.code for w in candidates],
        }
        if len(candidates) == 1:
            code = "single_only"
        elif chosen.country == ship_country:
            code = "single_country"
        else:
            code = "single_priority"
        picks = {p: [(chosen.id, q)] for p, q in needs.items()}
        return RoutingDecision(Kind.SINGLE, code, params, picks, (chosen.id,))

    if not _covers(ranked, needs, availability):
        short = {
            p: q - sum(max(availability.get(p, {}).get(w.id, 0), 0) for w in ranked)
            for p, q in needs.items()
            if sum(max(availability.get(p, {}).get(w.id, 0), 0) for w in ranked) < q
        }
        return RoutingDecision(
            Kind.BACKORDER, "backorder_no_stock", {"short": {str(p): s for p, s in sorted(short.items())}}
        )
    if not allow_split:
        return RoutingDecision(Kind.BACKORDER, "backorder_no_split", {"channel": channel_name})

    combo = _fewest(ranked, needs, availability, ship_country)
    picks = _picks_from(combo, needs, availability)
    used = [w for w in combo if any(wid == w.id for pl in picks.values() for wid, _q in pl)]
    return RoutingDecision(
        Kind.SPLIT,
        "split",
        {"warehouses": [w.code for w in used], "count": len(used)},
        picks,
        tuple(w.id for w in used),
    )


def _fewest(ranked: Sequence[WarehouseOption], needs, availability, country: str) -> list[WarehouseOption]:
    if len(ranked) <= EXHAUSTIVE_LIMIT:
        for size in range(2, len(ranked) + 1):
            combos = [c for c in itertools.combinations(ranked, size) if _covers(c, needs, availability)]
            if combos:
                # combinations() keeps ``ranked`` order, so the first is the most preferred set;
                # still prefer sets with more home-country warehouses, then lower priorities.
                best = min(
                    combos,
                    key=lambda c: (
                        sum(w.country != country for w in c),
                        sum(w.priority for w in c),
                        [w.code for w in c],
                    ),
                )
                return list(best)
    # Greedy: keep adding the warehouse that covers most of what is still missing.
    chosen: list[WarehouseOption] = []
    missing = dict(needs)
    while missing:
        best_w = max(
            (w for w in ranked if w not in chosen),
            key=lambda w: (
                sum(min(q, max(availability.get(p, {}).get(w.id, 0), 0)) for p, q in missing.items()),
                -ranked.index(w),
            ),
        )
        chosen.append(best_w)
        for p in list(missing):
            missing[p] -= max(availability.get(p, {}).get(best_w.id, 0), 0)
            if missing[p] <= 0:
                del missing[p]
    return sorted(chosen, key=lambda w: ranked.index(w))


def explain(routing: Mapping[str, Any]) -> str:
    """The reason of a stored decision (``Order.routing`` or event data) in the current language."""
    code = routing.get("code", "")
    p = routing.get("params") or {}
    if code == "single_only":
        return _("%(warehouse)s is the only warehouse that can ship every line.") % p
    if code == "single_country":
        return _(
            "%(warehouse)s ships every line from the customer's country (%(country)s); "
            "%(count)d warehouses could ship everything, this one is preferred."
        ) % {**p, "count": len(p.get("candidates", []))}
    if code == "single_priority":
        return _(
            "%(warehouse)s ships every line; no warehouse in %(country)s can, and it has the best "
            "priority (%(priority)s) of the %(count)d that can."
        ) % {**p, "count": len(p.get("candidates", []))}
    if code == "split":
        return ngettext(
            "No single warehouse has every line; split into %(count)d shipment from %(list)s.",
            "No single warehouse has every line; split into %(count)d shipments from %(list)s (the fewest possible).",
            p.get("count", 0),
        ) % {"count": p.get("count", 0), "list": ", ".join(p.get("warehouses", []))}
    if code == "backorder_no_split":
        return _(
            "No single warehouse has every line and the channel %(channel)s does not allow split "
            "shipments; the order waits for stock."
        ) % {"channel": p.get("channel", "")}
    if code == "backorder_no_stock":
        skus = ", ".join(str(s) for s in p.get("skus", []))
        if skus:
            return _("Not enough stock of %(skus)s in all warehouses together; the order waits for stock.") % {
                "skus": skus
            }
        return _("Not enough stock in all warehouses together; the order waits for stock.")
    if code == "nothing_to_allocate":
        return _("Nothing left to allocate.")
    return routing.get("message", "")
