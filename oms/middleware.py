"""Middleware of our own."""

from __future__ import annotations

from collections.abc import Callable

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse


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
