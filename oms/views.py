"""Pages of the shell: the start page, the role home pages and the error pages (404, 500/503).
(/healthz is answered by oms.middleware.HealthCheckMiddleware.)"""

from __future__ import annotations

import json
import logging
import sys

from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from oms import panels
from oms.error_codes import CommonErrorCode
from oms.navigation import areas_for
from oms.roles import Role, role_required


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each user to the home page of their first area."""
    areas = areas_for(request.user)
    if len(areas) == 1:
        return redirect(areas[0]["url"])
    return render(request, "oms/home.html", {"areas": areas})


def _area_home(request: HttpRequest, area: str) -> HttpResponse:
    current = next((a for a in areas_for(request.user) if a["code"] == area), None)
    return render(
        request,
        "oms/area_home.html",
        {"area": current, "panels": panels.render_slot(f"{area}-home", request=request)},
    )


@role_required(Role.WAREHOUSE)
@require_GET
def warehouse_home(request: HttpRequest) -> HttpResponse:
    return _area_home(request, "warehouse")


@role_required(Role.SUPPORT)
@require_GET
def support_home(request: HttpRequest) -> HttpResponse:
    return _area_home(request, "support")


@role_required(Role.MANAGER)
@require_GET
def reports_home(request: HttpRequest) -> HttpResponse:
    return _area_home(request, "reports")


logger = logging.getLogger(__name__)


# A browser's report of a Content-Security-Policy violation is a few hundred bytes; anything much
# larger is not one.
CSP_REPORT_MAX_BYTES = 8 * 1024
csp_logger = logging.getLogger("oms.csp")


@csrf_exempt  # browsers send reports without cookies or tokens
@require_POST
def csp_report(request: HttpRequest) -> HttpResponse:
    """Log a browser's Content-Security-Policy violation report (``report-uri`` in settings).

    Anyone can post here, so it stores nothing and logs a bounded, parsed summary, never the raw
    body. A violation on our own pages is a bug (a test loads every page and expects none)."""
    body = (
        request.body[:CSP_REPORT_MAX_BYTES]
        if int(request.META.get("CONTENT_LENGTH") or 0) <= CSP_REPORT_MAX_BYTES
        else b""
    )
    try:
        report = json.loads(body.decode("utf-8")).get("csp-report", {})
    except (UnicodeDecodeError, ValueError, AttributeError):
        return HttpResponse(status=400)
    if not isinstance(report, dict):
        return HttpResponse(status=400)
    csp_logger.warning(
        "CSP violation on %s: %s blocked %s",
        str(report.get("document-uri", ""))[:300],
        str(report.get("violated-directive") or report.get("effective-directive", ""))[:100],
        str(report.get("blocked-uri", ""))[:300],
    )
    return HttpResponse(status=204)


def _is_api(request: HttpRequest) -> bool:
    """Machine endpoints (the API, the shops' webhooks) answer every error in JSON, never a page."""
    return request.path.startswith(("/api/", "/webhooks/"))


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404. Under /api/ and /webhooks/ a path no URL pattern matches answers like every API error, in
    JSON (a client parsing our errors must not get an HTML page); elsewhere the site's 404 page."""
    if _is_api(request):
        return JsonResponse({"code": CommonErrorCode.NOT_FOUND, "message": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500. A lost database connection (failover, restart, a killed backend) is not our bug:
    answer 503 with Retry-After and drop the broken connection, so the next request reconnects.
    Anything else is a plain 500 page that needs no database."""
    exc = sys.exc_info()[1]
    if isinstance(exc, (OperationalError, InterfaceError)) or (
        isinstance(exc, DatabaseError) and "connection" in str(exc).lower()
    ):
        logger.warning("Database unavailable for %s: %s", request.path, exc)
        for conn in connections.all(initialized_only=True):
            conn.close()
        message = _("The database is briefly unavailable. Please try again in a moment.")
        if _is_api(request):
            response: HttpResponse = JsonResponse(
                {"code": CommonErrorCode.SERVICE_UNAVAILABLE, "message": message}, status=503
            )
        else:
            response = HttpResponse(loader.render_to_string("503.html", {"message": message}), status=503)
        response["Retry-After"] = "5"
        return response
    if _is_api(request):
        return JsonResponse({"code": CommonErrorCode.SERVER_ERROR, "message": _("Internal server error.")}, status=500)
    return HttpResponse(loader.render_to_string("500.html"), status=500)
