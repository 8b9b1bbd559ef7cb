"""``manage.py recompute_forecasts [--sku SKU ...] [--warehouse CODE ...]``: the nightly forecast job on demand."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from inventory.models import Product, Warehouse
from inventory.services.replenishment import recompute_forecasts


class Command(BaseCommand):
    help = "Recompute demand forecasts and replenishment suggestions (all products, or the given SKUs/warehouses)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--sku", action="append", default=[], help="Only this SKU (repeatable).")
        parser.add_argument("--warehouse", action="append", default=[], help="Only this warehouse code (repeatable).")
        parser.add_argument("--no-progress", action="store_true", help="Do not draw a progress bar.")

    def handle(self, *args: Any, sku: list[str], warehouse: list[str], no_progress: bool, **options: Any) -> None:
        product_ids = self._ids(Product, "sku", sku, "SKU")
        warehouse_ids = self._ids(Warehouse, "code", warehouse, "warehouse")
        bar = tqdm(total=0, unit="series", disable=no_progress or options["verbosity"] == 0, file=self.stderr)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done)

        try:
            result = recompute_forecasts(product_ids=product_ids, warehouse_ids=warehouse_ids, progress=progress)
        finally:
            bar.close()
        methods = ", ".join(f"{name}: {count}" for name, count in sorted(result.methods.items())) or "-"
        self.stdout.write(self.style.SUCCESS(f"Recomputed {result.pairs} forecasts ({methods})."))

    def _ids(self, model: Any, field: str, values: list[str], label: str) -> list[int] | None:
        if not values:
            return None
        found = dict(model.objects.filter(**{f"{field}__in": values}).values_list(field, "pk"))
        missing = [v for v in values if v not in found]
        if missing:
            raise CommandError(f"Unknown {label}: {', '.join(missing)}")
        return list(found.values())
