"""``manage.py check_stock_ledger``: verify that every stock level's ``on_hand`` equals its ledger.

Exit status 1 when a level disagrees (for monitoring); nothing is changed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from inventory.selectors import ledger_mismatches


class Command(BaseCommand):
    help = "Check that on_hand equals the sum of the stock movement ledger for every stock level."

    def handle(self, *args: Any, **options: Any) -> None:
        bad = list(ledger_mismatches().select_related("product", "warehouse")[:100])
        if not bad:
            self.stdout.write(self.style.SUCCESS("Stock ledger balances for every stock level."))
            return
        for level in bad:
            self.stderr.write(
                f"{level.product.sku} @ {level.warehouse.code}: on_hand {level.on_hand}, ledger {level.ledger}"
            )
        raise CommandError(f"{len(bad)} stock level(s) do not match their ledger.")
