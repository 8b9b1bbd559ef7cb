"""manage.py create_api_key CHANNEL [--name NAME]: create an API key for a sales channel and print
it once (only its hash is stored)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from oms.api_keys import create_api_key
from orders.models import Channel


class Command(BaseCommand):
    help = "Create an API key for a sales channel; the key is printed once and never stored in clear."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("channel", help="Channel code, e.g. web")
        parser.add_argument("--name", default="", help="What the key is for (shown in the admin).")

    def handle(self, *args: Any, channel: str, name: str = "", **options: Any) -> None:
        found = Channel.objects.filter(code=channel).first()
        if found is None:
            codes = ", ".join(Channel.objects.order_by("code").values_list("code", flat=True)) or "-"
            raise CommandError(f"No channel with the code {channel!r}. Known channels: {codes}")
        key, raw = create_api_key(channel_code=found.code, name=name or f"{found.name} API")
        self.stderr.write(
            f"API key {key.prefix} for channel {found.code} created. Store it now; it is not shown again:"
        )
        self.stdout.write(raw)
