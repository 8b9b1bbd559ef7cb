"""Middleware of our own."""

from __future__ import annotations

import codecs
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.utils.http import parse_header_parameters
from django.utils.translation import gettext as _

from oms import second_factor
from oms.error_codes import CommonErrorCode


class HealthCheckMiddleware:
    """Answers ``GET /healthz`` first, before host validation and the HTTPS redirect, so a
    container healthcheck on localhost works with production ALLOWED_HOSTS."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "GET" and request.path == "/healthz":
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
            except DatabaseError:
                return JsonResponse({"status": "database unavailable"}, status=503)
            return JsonResponse({"status": "ok"})
        return self.get_response(request)


def is_codec_but_no_charset(name: str) -> bool:
    """True for a name Python's codec registry knows that is no text encoding (``bz2``, ``zlib``,
    ``base64``, ``hex``, ``rot13``, ``uu``, ``quopri``): a decompressor or transform, not a charset."""
    try:
        codecs.lookup(name)
    except LookupError:
        return False  # unknown: Django ignores it and reads UTF-8
    try:
        b"a".decode(name)  # (an empty input would skip the codec check)
    except LookupError:  # "'bz2' is not a text encoding"
        return True
    except UnicodeError:
        pass  # a text encoding that does not like the sample
    return False


class RequestCharsetMiddleware:
    """Answers 415 before anything reads the body when the Content-Type ``charset`` names a codec
    that is no text encoding. Django accepts any name ``codecs.lookup`` knows as the request's
    encoding and form parsing would then fail with a 500 (``'bz2' is not a text encoding``); a
    decoder that trusted it would inflate a compressed body. Browsers never send such a charset.
    (The JSON API goes further and accepts UTF-8 only: ``oms.api_parsers``.)"""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        content_type = request.META.get("CONTENT_TYPE", "")
        if "charset" in content_type.lower():
            charset = parse_header_parameters(content_type)[1].get("charset", "").strip()
            if charset and is_codec_but_no_charset(charset):
                message = _("“%(charset)s” is not a character set; send the body in UTF-8.") % {"charset": charset[:40]}
                return JsonResponse({"code": CommonErrorCode.UNSUPPORTED_CHARSET, "message": message}, status=415)
        return self.get_response(request)


class PrivacyHeadersMiddleware:
    """``Permissions-Policy`` on every response, and ``Cache-Control: no-store`` on every answer
    that is not a static file.

    Which answers carry personal data was decided by where they come from, not page by page:
    staff pages (names, addresses, orders), the API and the webhooks answer per request and
    caller, and a new page must not start out cacheable because someone forgot a decorator. The
    few public answers (login page, health check, API schema) lose nothing by not being cached.
    Static files (``STATIC_URL``, served by WhiteNoise with long max-age) keep their caching.
    First in ``MIDDLEWARE``, so it also sees static files and the health check.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.policy = ", ".join(f"{feature}={allow}" for feature, allow in settings.PERMISSIONS_POLICY.items())
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if self.policy:
            response.headers.setdefault("Permissions-Policy", self.policy)
        if not request.path.startswith(self.static_prefix):
            add_never_cache_headers(response)
        return response


class SecondFactorMiddleware:
    """Until a session's second factor is given, a user who must give one (managers, admins, and
    whoever enrolled: ``oms.second_factor``) reaches only the pages that let them give it; every
    other page redirects to verification, or to enrolment for a user without a device yet. The
    JSON API answers such a session 403 in JSON. After django-otp's ``OTPMiddleware``."""

    # Views a signed-in user reaches before the second factor: to give it, to leave, or public.
    OPEN_VIEWS = frozenset(
        {
            "login",
            "logout",
            "set_language",
            "second-factor-verify",
            "second-factor-setup",
            "csp-report",
            "api-schema",
            "api-docs",
        }
    )

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> HttpResponse | None:
        match = request.resolver_match
        if match is None or match.view_name in self.OPEN_VIEWS:
            return None
        if not second_factor.second_factor_pending(request):
            return None
        if request.path.startswith(("/api/", "/webhooks/")):
            message = _("Give your second factor (two-factor authentication) in the back office first.")
            return JsonResponse({"code": CommonErrorCode.SECOND_FACTOR_REQUIRED, "message": message}, status=403)
        return second_factor.redirect_to_second_factor(request)
