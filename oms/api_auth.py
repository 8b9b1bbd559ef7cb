"""API-key authentication for the JSON API (``Authorization: Api-Key <key>``).

Kept apart from ``oms.api``: DRF imports authentication classes while ``rest_framework.views``
is still loading, so this module must not import it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from oms import api_keys
from oms.error_codes import CommonErrorCode
from oms.models import ApiKey


class ApiKeyUser:
    """The request.user of an API-key request: authenticated, but no staff user and no roles."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    pk = None

    def __init__(self, key: ApiKey):
        self.key = key
        self.username = f"api:{key.channel_code}"

    def __str__(self) -> str:
        return self.username


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """``Authorization: Api-Key <key>``. request.user is an ``ApiKeyUser``; request.auth the ``ApiKey``."""

    keyword = "Api-Key"

    def authenticate(self, request: Request) -> tuple[ApiKeyUser, ApiKey] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        keyword, _, raw = header.partition(" ")
        if keyword != self.keyword:
            return None
        key = api_keys.key_for_raw(raw.strip())
        if key is None:
            raise exceptions.AuthenticationFailed(
                gettext("Invalid or revoked API key."), code=CommonErrorCode.INVALID_API_KEY
            )
        api_keys.touch(key)
        return ApiKeyUser(key), key

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "oms.api_auth.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": "Authorization", "description": "`Api-Key <key>`"}
