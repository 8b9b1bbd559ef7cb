"""The Django admin, for the admin role only."""

from __future__ import annotations

from collections.abc import Callable
from functools import update_wrapper
from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from oms.roles import Role, has_role


class OmsAdminSite(admin.AdminSite):
    site_header = _("OMS administration")
    site_title = _("OMS administration")
    index_title = _("Master data and emergencies")

    def has_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_staff and has_role(request.user, Role.ADMIN))

    def admin_view(self, view: Callable[..., HttpResponse], cacheable: bool = False) -> Callable[..., HttpResponse]:
        """Signed-in staff without the admin role get 403, as in every other area (Django's own
        behaviour would show them the admin login form again)."""
        inner = super().admin_view(view, cacheable)

        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.user.is_authenticated and not self.has_permission(request):
                raise PermissionDenied
            return inner(request, *args, **kwargs)

        return update_wrapper(wrapper, view)
