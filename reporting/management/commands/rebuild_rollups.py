"""``manage.py rebuild_rollups``: recompute every report rollup from the stored rows."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from reporting.services.rollups import rebuild_rollups


class Command(BaseCommand):
    help = (
        "Recompute the report rollups (order facts, state spans, daily sums) from the stored orders, "
        "their timeline events and shipments. The reports keep the old figures until it is done."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        width = 30

        def progress(done: int, total: int) -> None:
            filled = width * done // total if total else width
            bar = "#" * filled + "-" * (width - filled)
            self.stdout.write(f"\r[{bar}] {done}/{total} orders", ending="")
            self.stdout.flush()

        total = rebuild_rollups(progress=progress if options["verbosity"] > 0 else None)
        if options["verbosity"] > 0 and total:
            self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(f"Rebuilt the rollups of {total} orders in {time.monotonic() - started:.1f} s.")
        )
