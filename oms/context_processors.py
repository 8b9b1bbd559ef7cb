from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from oms.navigation import areas_for
from oms.roles import user_roles


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the base template needs on every page: navigation and roles of the user."""
    user = getattr(request, "user", None)
    return {
        "nav_areas": areas_for(user) if user is not None else [],
        "user_roles": user_roles(user) if user is not None else frozenset(),
        "demo_mode": settings.DEMO_MODE,
    }
