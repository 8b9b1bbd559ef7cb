from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from oms.navigation import areas_for
from oms.roles import user_roles
from oms.second_factor import second_factor_pending


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the base template needs on every page: navigation and roles of the user (none of the
    areas while the session's second factor is still to be given)."""
    user = getattr(request, "user", None)
    pending = user is not None and hasattr(request, "session") and second_factor_pending(request)
    return {
        "nav_areas": areas_for(user) if user is not None and not pending else [],
        "second_factor_pending": pending,
        "user_roles": user_roles(user) if user is not None else frozenset(),
        "demo_mode": settings.DEMO_MODE,
    }
