"""Demo users for the embedded default: one per role, password "demo". Only in demo mode."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from oms.roles import Role

DEMO_PASSWORD = "demo"
DEMO_USERS = {
    "admin": {"role": Role.ADMIN, "first_name": "Anna", "last_name": "Admin", "is_superuser": True},
    "manager": {"role": Role.MANAGER, "first_name": "Markus", "last_name": "Manager"},
    "support": {"role": Role.SUPPORT, "first_name": "Sabine", "last_name": "Support"},
    "warehouse": {"role": Role.WAREHOUSE, "first_name": "Lukas", "last_name": "Lager"},
}


def seed_users(*, stdout: Any = None, **_: Any) -> None:
    """Create the demo users if missing. Refuses outside demo mode: "demo" is no password."""
    if not settings.DEMO_MODE:
        if stdout:
            stdout.write("Demo users skipped (OMS_DEMO_MODE is off).")
        return
    User = get_user_model()
    for username, spec in DEMO_USERS.items():
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "first_name": spec["first_name"],
                "last_name": spec["last_name"],
                "email": f"{username}@demo.example",
                "is_staff": spec["role"] == Role.ADMIN,
                "is_superuser": spec.get("is_superuser", False),
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        user.groups.add(Group.objects.get(name=spec["role"]))
