"""Staff second factor: who must give one, the checks pages use, and the services that enrol,
verify and reset it (django-otp: an authenticator app (TOTP) and one-time recovery codes).

Managers and admins must give their second factor in every session before any other page
(``oms.middleware.SecondFactorMiddleware``); support and warehouse staff may enrol, and once
they have, they are asked for it at every login too. Views that need a verified second factor
whatever the role (GDPR actions) say so with ``@second_factor_required`` or
``SecondFactorRequiredMixin``.

A session is verified when django-otp's ``login`` has put the device that accepted a code into
it (``request.user.is_verified()``). Whether a user has enrolled is remembered in the session at
login (``SESSION_ENROLLED``), so a page needs no query to know it.
"""

from __future__ import annotations

from base64 import b32encode
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

import segno
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from oms.error_codes import CommonErrorCode
from oms.exceptions import DomainError
from oms.roles import Role, has_role

# The roles that must use a second factor. Admins have every role, so ``has_role`` finds them too.
REQUIRED_ROLES = (Role.MANAGER, Role.ADMIN)
RECOVERY_CODE_COUNT = 10
SESSION_ENROLLED = "oms_second_factor_enrolled"
SESSION_NEW_CODES = "oms_second_factor_new_codes"
AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_CODES_NAME = "Recovery codes"


class SecondFactorError(DomainError):
    code = CommonErrorCode.SECOND_FACTOR_INVALID


# --- who, and whether this session has given it ---------------------------------------------------


def must_use_second_factor(user: Any) -> bool:
    """True for managers and admins (superusers included): they may not work without one."""
    return has_role(user, *REQUIRED_ROLES)


def is_verified(user: Any) -> bool:
    """True when this session's second factor has been given (set by django-otp's middleware)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def has_second_factor(user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def second_factor_pending(request: HttpRequest) -> bool:
    """True when the signed-in user must still give their second factor in this session."""
    user = request.user
    if not user.is_authenticated or is_verified(user):
        return False
    if must_use_second_factor(user):
        return True
    if request.session.get(SESSION_ENROLLED):
        # Enrolled of their own accord; an admin may have reset the device since the login.
        request.session[SESSION_ENROLLED] = has_second_factor(user)
        return request.session[SESSION_ENROLLED]
    return False


def remember_enrolment(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """``user_logged_in`` receiver: note in the session whether the user has enrolled."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_ENROLLED] = has_second_factor(user)


def second_factor_url(request: HttpRequest) -> str:
    """The verification page (or the enrolment page, for a user without a device yet), with the
    page asked for as ``next``."""
    htmx = getattr(request, "htmx", None)
    wanted = (htmx.current_url_abs_path if htmx else None) or request.get_full_path()
    name = "second-factor-verify" if has_second_factor(request.user) else "second-factor-setup"
    return f"{reverse(name)}?{urlencode({REDIRECT_FIELD_NAME: wanted})}"


def redirect_to_second_factor(request: HttpRequest) -> HttpResponse:
    url = second_factor_url(request)
    if getattr(request, "htmx", False):
        return HttpResponseClientRedirect(url)  # the whole page, not a swap into a partial
    return HttpResponseRedirect(url)


def second_factor_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """View decorator: signed in, and this session's second factor given, whatever the role.
    Anonymous visitors go to the login page; others to verification (or enrolment first)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_verified(request.user):
            return redirect_to_second_factor(request)
        return view(request, *args, **kwargs)

    wrapper.second_factor_required = True  # type: ignore[attr-defined]
    return wrapper


class SecondFactorRequiredMixin:
    """``second_factor_required`` for class-based views (first in the bases)."""

    second_factor_required = True

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_verified(request.user):
            return redirect_to_second_factor(request)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


def mark_verified(request: HttpRequest, device: Device) -> None:
    """Put ``device`` into the session as the second factor given. A new session key, as at
    login: the session just gained rights."""
    request.session.cycle_key()
    otp_login(request, device)
    request.session[SESSION_ENROLLED] = True


# --- enrolment ------------------------------------------------------------------------------------


def pending_authenticator(user: Any) -> TOTPDevice:
    """The authenticator the set-up page shows until its first code confirms it (the same one
    on every visit, so a reload keeps the QR code the app has scanned)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-pk").first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR_NAME, confirmed=False)


def qr_code_svg(device: TOTPDevice) -> str:
    """The device's ``otpauth://`` link as an inline SVG QR code (no script, no style: strict CSP)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#000", light="#fff")


def secret_for_typing(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for apps that cannot scan."""
    secret = b32encode(device.bin_key).decode("ascii")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def confirm_authenticator(user: Any, *, code: str) -> tuple[TOTPDevice, list[str]]:
    """Confirm the pending authenticator with a code from the app. It replaces any earlier one,
    and a fresh set of recovery codes replaces the old set. Returns the device and the codes,
    which are shown once. A wrong code changes nothing but the device's throttle."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("-pk").first()
        if device is None:
            raise SecondFactorError(_("Nothing is waiting to be confirmed: start the set-up again."))
        accepted = device.verify_token(_normalized(code))  # a failure is kept: it throttles the next try
        if accepted:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
            codes = _replace_recovery_codes(user)
    if not accepted:
        raise SecondFactorError(_("That code is not right. Enter the 6-digit code the app shows now."))
    return device, codes


@transaction.atomic
def replace_recovery_codes(user: Any) -> list[str]:
    """A new set of recovery codes; the old ones stop working. Returns them (shown once)."""
    return _replace_recovery_codes(user)


def _replace_recovery_codes(user: Any) -> list[str]:
    device = StaticDevice.objects.filter(user=user).first() or StaticDevice.objects.create(
        user=user, name=RECOVERY_CODES_NAME, confirmed=True
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def recovery_codes_left(user: Any) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --- verification and reset -----------------------------------------------------------------------


def verify_second_factor(user: Any, *, code: str) -> Device:
    """The device that accepts ``code``: 6 digits from the authenticator app, or one recovery code
    (used up by this). Raises ``SecondFactorError`` for a wrong code (``code`` INVALID) and while
    the user must wait after wrong codes (THROTTLED: each wrong code doubles the wait)."""
    token = _normalized(code)
    model = TOTPDevice if token.isdigit() else StaticDevice
    device = model.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        allowed, _info = device.verify_is_allowed()
        if not allowed:
            raise SecondFactorError(
                _("Too many wrong codes. Wait a moment and try again."), code=CommonErrorCode.SECOND_FACTOR_THROTTLED
            )
        accepted = verify_token(user, device.persistent_id, token)  # locks the device row
        if accepted is not None:
            return accepted
    raise SecondFactorError(_("That code is not right. Enter the code your app shows now, or a recovery code."))


@transaction.atomic
def reset_second_factor(user: Any) -> bool:
    """Remove the user's authenticator and recovery codes (a lost phone). A manager or admin
    enrols again at the next page; sessions verified with the old device are verified no more.
    Returns whether there was anything to remove."""
    had_device = has_second_factor(user) or StaticDevice.objects.filter(user=user).exists()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    return had_device


def _normalized(code: str) -> str:
    """What people type: spaces and dashes left out, any case."""
    return "".join(code.split()).replace("-", "").lower()
