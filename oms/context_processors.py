from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from oms.navigation import areas_for
from oms.roles import user_roles
from oms.second_factor import second_factor_pending


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the base template needs on every page: navigation and roles of the user (none of the
    areas while the session's second factor is still to be given).

    Kept on the request: a page that renders panels or partials with the request runs the context
    processors once per template, and the answer does not change within one request."""
    user = getattr(request, "user", None)
    key = (getattr(user, "pk", None), getattr(user, "is_authenticated", False))
    cached = getattr(request, "_oms_shell", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    pending = user is not None and hasattr(request, "session") and second_factor_pending(request)
    context = {
        "nav_areas": areas_for(user) if user is not None and not pending else [],
        "second_factor_pending": pending,
        "user_roles": user_roles(user) if user is not None else frozenset(),
        "demo_mode": settings.DEMO_MODE,
    }
    request._oms_shell = (key, context)  # type: ignore[attr-defined]
    return context
