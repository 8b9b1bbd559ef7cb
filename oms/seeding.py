"""Demo data: each app registers a seeder in ``AppConfig.ready()``; ``manage.py seed_demo`` runs
them in order. Every seeder must be idempotent (a second run changes nothing)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Seeder:
    name: str
    run: Callable[..., None]
    order: int


_seeders: dict[str, Seeder] = {}


def register(name: str, run: Callable[..., None], *, order: int) -> None:
    """``run(stdout=..., scale=...)`` seeds one area. Lower ``order`` runs first."""
    _seeders[name] = Seeder(name, run, order)


def seeders() -> list[Seeder]:
    return sorted(_seeders.values(), key=lambda s: s.order)
