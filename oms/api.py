"""Shared pieces of the JSON API: the error format and API-key authentication."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from oms.api_auth import ApiKeyAuthentication, ApiKeyUser
from oms.api_parsers import PayloadTooLarge
from oms.error_codes import CommonErrorCode
from oms.exceptions import DomainError

__all__ = ["ApiKeyAuthentication", "ApiKeyUser", "exception_handler"]


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every API error is JSON ``{"code": ..., "message": ..., "details"|"errors": ...}``.

    Domain errors keep their stable code and status (illegal transition 409, rule 422);
    validation errors are 400 with per-field ``errors``.
    """
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.http_status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        # Django refuses bodies over DATA_UPLOAD_MAX_MEMORY_SIZE with a SuspiciousOperation, which
        # would become an HTML 400; the API answers a JSON 413.
        exc = PayloadTooLarge()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {
            "code": str(CommonErrorCode.INVALID),
            "message": _("The request is invalid."),
            "errors": response.data,
        }
    elif isinstance(exc, exceptions.APIException):
        detail = response.data.get("detail", "") if isinstance(response.data, dict) else response.data
        # Plain strings: the schema view renders errors as YAML, which cannot represent a StrEnum.
        response.data = {"code": str(getattr(detail, "code", exc.default_code)), "message": str(detail)}
    if response.status_code == status.HTTP_401_UNAUTHORIZED and "WWW-Authenticate" not in response:
        response["WWW-Authenticate"] = "Api-Key"
    return response
