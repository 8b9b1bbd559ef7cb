"""Demo data and benchmark data, one step per app, registered from each app's ``AppConfig.ready()``.

Two registries, so an app that adds tables extends both in one place (its ``apps.py``):

- **Demo seeders** (``register``): ``manage.py seed_demo`` runs them in ``order``. A seeder is called
  ``run(stdout=..., scale=..., today=...)``; every date it writes is relative to ``today`` (never
  the wall clock), its random numbers come from a fixed seed, and it is idempotent (a second run
  changes nothing). It reaches later states through the app's real services.
- **Load steps** (``register_load``): ``manage.py generate_load`` runs them in ``order`` and calls
  ``run(ctx)`` with a ``LoadContext``: bulk COPY, plain SQL over what earlier steps loaded, the
  plan's volumes, "now" and seeded random numbers. ``models`` names every table the step writes:
  they are emptied before a rebuild and their migrations and columns are part of the schema
  fingerprint, so a new column in them rebuilds the data set.

Order slots (lower runs first; leave gaps): users 0, inventory 10, demand 30, orders 40,
fulfillment 50, billing 60, returns 70, reporting 80. A step may read every table of a step
with a lower order.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

# -- demo data (seed_demo) ----------------------------------------------------------------------


@dataclass(frozen=True)
class Seeder:
    name: str
    run: Callable[..., None]
    order: int


_seeders: dict[str, Seeder] = {}


def register(name: str, run: Callable[..., None], *, order: int) -> None:
    """``run(stdout=..., scale=..., today=...)`` seeds one area. Lower ``order`` runs first."""
    _seeders[name] = Seeder(name, run, order)


def seeders() -> list[Seeder]:
    return sorted(_seeders.values(), key=lambda s: s.order)


# -- benchmark data (generate_load) -------------------------------------------------------------


class LoadPlanLike(Protocol):
    orders: int
    customers: int
    products: int
    seed: int
    history_days: int


class LoadContext(Protocol):
    """What ``generate_load`` gives a load step (implemented by ``loadgen.generator.Generator``)."""

    plan: LoadPlanLike
    now: datetime.datetime

    def random(self, name: str) -> random.Random:
        """A generator seeded from the plan's seed and ``name``: the same rows on every run."""

    def bulk(self, model: type, fields: Sequence[str], rows: Iterable[Sequence[Any]], total: int, label: str) -> int:
        """COPY ``rows`` (values of ``fields``, in that order) into ``model``'s table; returns the count."""

    def execute(
        self,
        sql: str,
        params: Sequence[Any] | Mapping[str, Any] | None = None,
        *,
        label: str = "",
        model: type | None = None,
    ) -> int:
        """Run one statement (``INSERT ... SELECT`` over loaded tables); counts its rows under ``label``."""

    def next_id(self, model: type) -> int:
        """The first free primary key of ``model`` (ids may be set explicitly in ``bulk``)."""


@dataclass(frozen=True)
class LoadStep:
    name: str
    run: Callable[[LoadContext], None]
    order: int
    models: tuple[str, ...]
    version: int = 1


_load_steps: dict[str, LoadStep] = {}


def register_load(
    name: str, run: Callable[[LoadContext], None], *, order: int, models: Sequence[str], version: int = 1
) -> None:
    """Add ``run`` to the benchmark data set. ``models`` (``"app.Model"`` labels): the tables it
    writes, emptied on a rebuild and fingerprinted. Lower ``order`` runs first. Raise ``version``
    when the step writes different rows from the same schema, so cached data sets are rebuilt."""
    _load_steps[name] = LoadStep(name, run, order, tuple(models), version)


def load_steps() -> list[LoadStep]:
    return sorted(_load_steps.values(), key=lambda s: s.order)


def loaded_models() -> list[str]:
    """Every model label some load step writes, in step order."""
    seen: dict[str, None] = {}
    for step in load_steps():
        for label in step.models:
            seen.setdefault(label, None)
    return list(seen)
