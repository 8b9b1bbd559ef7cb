"""Staff roles and the checks every staff page uses.

Four roles, each a Django group created by migration ``oms.0002``: warehouse, support, manager,
admin. A superuser, and a member of ``admin``, has every role. Pages say which roles may use
them with ``@role_required(Role.SUPPORT)``: an anonymous visitor is sent to the login page, a
signed-in user without the role gets 403.

Apps grant their model permissions to roles from ``AppConfig.ready()`` with ``grant()``; they
are written to the groups after every ``migrate`` (``sync_role_permissions``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    WAREHOUSE = "warehouse", _("Warehouse")
    SUPPORT = "support", _("Support")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Administrator")


_ROLE_NAMES = frozenset(Role.values)
_granted: dict[str, set[str]] = defaultdict(set)


def user_roles(user: Any) -> frozenset[str]:
    """The roles of ``user``, read once per request object and cached on it."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return frozenset()
    cached = getattr(user, "_oms_roles", None)
    if cached is None:
        if user.is_superuser:
            cached = _ROLE_NAMES
        else:
            names = set(user.groups.filter(name__in=_ROLE_NAMES).values_list("name", flat=True))
            cached = _ROLE_NAMES if Role.ADMIN in names else frozenset(names)
        user._oms_roles = cached
    return cached


def has_role(user: Any, *roles: str) -> bool:
    """True when ``user`` has any of ``roles`` (admins have them all)."""
    return bool(user_roles(user) & set(roles))


def role_required(*roles: str) -> Callable:
    """View decorator: login required, then one of ``roles``, else 403."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_role(request.user, *roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.required_roles = frozenset(roles)  # read by the permission matrix test
        return wrapper

    return decorator


def grant(role: str, permissions: Iterable[str]) -> None:
    """Give ``role`` the model permissions ``app_label.codename``; call from ``AppConfig.ready()``."""
    if role not in _ROLE_NAMES:
        raise ValueError(f"Unknown role {role!r}")
    _granted[role].update(permissions)


def granted_permissions() -> dict[str, set[str]]:
    return {role: set(perms) for role, perms in _granted.items()}


def sync_role_permissions(**_: Any) -> None:
    """post_migrate: give each role group exactly the permissions granted to it."""
    from django.contrib.auth.models import Group, Permission

    for role in Role.values:
        group, _created = Group.objects.get_or_create(name=role)
        wanted = _granted.get(role, set())
        q = models.Q(pk__in=[])
        for dotted in wanted:
            app_label, codename = dotted.split(".", 1)
            q |= models.Q(content_type__app_label=app_label, codename=codename)
        group.permissions.set(Permission.objects.filter(q))
