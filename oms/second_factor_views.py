"""Pages of the staff second factor: the overview, enrolment with a QR code, the verification
step after the password, and the recovery codes (shown once). See ``oms.second_factor``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from oms import second_factor
from oms.error_codes import CommonErrorCode
from oms.parsing_fields import TextField
from oms.second_factor import SecondFactorError, second_factor_required

INVALID_STATUS = 422


class CodeForm(forms.Form):
    code = TextField(
        label=gettext_lazy("Code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}),
    )


@login_required
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    """The user's own second factor: whether it is set up, and the way to set it up again."""
    user = request.user
    return render(
        request,
        "registration/second_factor.html",
        {
            "enrolled": second_factor.has_second_factor(user),
            "required": second_factor.must_use_second_factor(user),
            "codes_left": second_factor.recovery_codes_left(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code (or type the secret), confirm with a code.
    Replacing a device needs the current one first, so a password alone cannot swap it."""
    user = request.user
    if second_factor.has_second_factor(user) and not second_factor.is_verified(user):
        return redirect(_with_next(reverse("second-factor-verify"), _next_url(request, default="second-factor-setup")))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = second_factor.confirm_authenticator(user, code=form.cleaned_data["code"])
        except SecondFactorError as exc:
            form.add_error("code", exc.message)
        else:
            second_factor.mark_verified(request, device)
            request.session[second_factor.SESSION_NEW_CODES] = codes
            messages.success(request, _("Two-factor authentication is on."))
            return redirect(_with_next(reverse("second-factor-recovery-codes"), _next_url(request)))
    device = second_factor.pending_authenticator(user)
    return render(
        request,
        "registration/second_factor_setup.html",
        {
            "form": form,
            "qr_code": mark_safe(second_factor.qr_code_svg(device)),  # our own SVG: paths, no script
            "secret": second_factor.secret_for_typing(device),
            "next": _next_url(request),
            "required": second_factor.must_use_second_factor(user),
        },
        status=INVALID_STATUS if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The step after the password: a code from the app, or a recovery code. A wrong code counts
    as a failed login (django-axes): enough of them lock the username out as wrong passwords do."""
    user = request.user
    next_url = _next_url(request)
    if second_factor.is_verified(user):
        return redirect(next_url)
    if not second_factor.has_second_factor(user):
        if second_factor.must_use_second_factor(user):
            return redirect(_with_next(reverse("second-factor-setup"), next_url))
        request.session[second_factor.SESSION_ENROLLED] = False  # reset by an admin: nothing to ask
        return redirect(next_url)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = second_factor.verify_second_factor(user, code=form.cleaned_data["code"])
        except SecondFactorError as exc:
            form.add_error("code", exc.message)
            if exc.code == CommonErrorCode.SECOND_FACTOR_INVALID:
                _count_failed_login(request, user)
        else:
            second_factor.mark_verified(request, device)
            return redirect(next_url)
    return render(
        request,
        "registration/second_factor_verify.html",
        {"form": form, "next": next_url},
        status=INVALID_STATUS if form.errors else 200,
    )


@second_factor_required
@require_http_methods(["GET", "POST"])
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """New recovery codes (POST), and the page that shows them once: a reload shows none."""
    if request.method == "POST":
        request.session[second_factor.SESSION_NEW_CODES] = second_factor.replace_recovery_codes(request.user)
        return redirect(_with_next(reverse("second-factor-recovery-codes"), _next_url(request)))
    codes = request.session.pop(second_factor.SESSION_NEW_CODES, None)
    return render(
        request,
        "registration/second_factor_recovery_codes.html",
        {"codes": codes, "next": _next_url(request)},
    )


def _count_failed_login(request: HttpRequest, user: Any) -> None:
    """Record the wrong code with django-axes like a wrong password; at the limit the session
    ends and ``AxesMiddleware`` answers with the lockout page."""
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()}, request=request)
    if getattr(request, "axes_locked_out", False):
        logout(request)


def _next_url(request: HttpRequest, *, default: str | None = None) -> str:
    """Where to go afterwards: ``next`` when it is a page of this site, else the start page."""
    candidate = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(default or settings.LOGIN_REDIRECT_URL)


def _with_next(url: str, next_url: str) -> str:
    return f"{url}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"
