"""System checks of ``orders`` that ``manage.py check --deploy`` runs against the database.

With debug off (production) no channel may verify webhooks with a secret that is published in
this repository: anyone could sign a paid order with it.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core import checks
from django.db import DatabaseError

from orders.models import Channel

# The secrets the demo seeder (``orders.seed.demo_webhook_secret``) and the benchmark load
# generator give their channels; both are in the public source.
KNOWN_SECRET = re.compile(r"^(?:demo-[\w-]+-secret|bench-secret-[\w-]+)$")


def is_known_secret(secret: str) -> bool:
    return bool(KNOWN_SECRET.match(secret or ""))


@checks.register(checks.Tags.security, deploy=True)
def check_no_known_webhook_secret(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Error ``orders.E001`` for every channel whose webhook secret is a known demo or benchmark
    secret. Skipped with debug on, and when the database cannot be read yet (not migrated,
    unreachable): a database without tables has no channels."""
    if settings.DEBUG:
        return []
    try:
        channels = list(
            Channel.objects.exclude(webhook_secret="").order_by("code").values_list("code", "webhook_secret")
        )
    except DatabaseError:
        return []
    return [
        checks.Error(
            f"Channel “{code}” verifies webhooks with a known demo secret.",
            hint="Create a new secret in the shop, paste it into the channel in the admin, and never run "
            "seed_demo against a production database.",
            obj=code,
            id="orders.E001",
        )
        for code, secret in channels
        if is_known_secret(secret)
    ]
