"""manage.py purge_idempotency_keys [--hours N]: delete API Idempotency-Keys older than N hours
(default 48; never less than the published 24). Run it daily (cron or Celery beat)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from orders.api.idempotency import KEY_RETENTION, purge_idempotency_keys


class Command(BaseCommand):
    help = "Delete Idempotency-Keys older than --hours (default 48, at least 24)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=int, default=48, help="Age in hours (values below 24 count as 24).")

    def handle(self, *args: Any, hours: int = 48, **options: Any) -> None:
        older_than = max(datetime.timedelta(hours=hours), KEY_RETENTION)
        deleted = purge_idempotency_keys(older_than=older_than)
        self.stdout.write(f"Deleted {deleted} idempotency key(s) older than {older_than}.")
