"""manage.py seed_demo: fill an empty database with realistic demo data. Idempotent."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from oms import seeding


class Command(BaseCommand):
    help = "Create demo users, catalogue, stock and order history (every step safe to run again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--only", nargs="*", help="Run only these seeders (by name).")
        parser.add_argument(
            "--scale", type=float, default=1.0, help="Multiply generated volumes (0.1 for a quick run)."
        )

    def handle(self, *args: Any, only: list[str] | None = None, scale: float = 1.0, **options: Any) -> None:
        for seeder in seeding.seeders():
            if only and seeder.name not in only:
                continue
            self.stdout.write(f"Seeding {seeder.name} …")
            seeder.run(stdout=self.stdout, scale=scale)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
