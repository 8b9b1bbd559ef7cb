"""HTTP for shop connectors: JSON in and out, a timeout, bounded answers, rate limits understood.

The shop's live API is the edge of our world: tests replace it with a local fake shop server on
127.0.0.1 (``SHOP_REQUIRE_HTTPS`` off), never this client.
"""

from __future__ import annotations

import base64
import http.client
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

MAX_ANSWER_BYTES = 20 * 1024 * 1024
#: A ``Retry-After`` this short is waited out in place; a longer one ends the run.
WAIT_IN_PLACE_SECONDS = 5


class ShopApiError(Exception):
    """The shop could not be reached or did not do what was asked (the message says why)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ShopRateLimited(ShopApiError):
    """The shop asks us to wait ``retry_after`` seconds (HTTP 429, or 503 with ``Retry-After``)."""

    def __init__(self, message: str, *, retry_after: int, status: int) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


@dataclass(frozen=True)
class ShopResponse:
    status: int
    headers: dict[str, str]  # lower-case names
    data: Any


def basic_auth(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


class ShopHttp:
    """Sends one request at a time; waits out a short ``Retry-After`` once and tries again."""

    #: How the client waits (a short ``Retry-After``, a connector's rate-limit pause); tests
    #: record the waits instead of sleeping.
    sleep: Callable[[float], None] = staticmethod(time.sleep)

    def __init__(self, *, timeout: float | None = None) -> None:
        self.timeout = timeout if timeout is not None else settings.SHOP_HTTP_TIMEOUT_SECONDS

    def request(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
    ) -> ShopResponse:
        for attempt in (1, 2):
            try:
                return self._once(method, url, params=params, body=body, headers=headers or {})
            except ShopRateLimited as limited:
                if attempt == 2 or limited.retry_after > WAIT_IN_PLACE_SECONDS:
                    raise
                self.sleep(limited.retry_after)
        raise AssertionError("unreachable")

    def _once(
        self, method: str, url: str, *, params: dict[str, Any] | None, body: Any, headers: dict[str, str]
    ) -> ShopResponse:
        parts = urlsplit(url)
        allowed = {"https"} if settings.SHOP_REQUIRE_HTTPS else {"https", "http"}
        if parts.scheme not in allowed or not parts.hostname:
            raise ShopApiError(_("The shop URL must start with https://."))
        path = parts.path or "/"
        query = "&".join(q for q in (parts.query, urlencode(params or {}, doseq=True)) if q)
        if query:
            path = f"{path}?{query}"
        connection_class = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        conn = connection_class(parts.hostname, parts.port, timeout=self.timeout)
        payload = None if body is None else json.dumps(body, default=_json_default).encode()
        sent = {"Accept": "application/json", "User-Agent": "OMS-ShopSync/1", **headers}
        if payload is not None:
            sent["Content-Type"] = "application/json"
        try:
            conn.request(method, path, body=payload, headers=sent)
            response = conn.getresponse()
            raw = response.read(MAX_ANSWER_BYTES + 1)
            answer_headers = {k.lower(): v for k, v in response.getheaders()}
        except (OSError, http.client.HTTPException) as exc:
            raise ShopApiError(
                _("The shop did not answer %(method)s %(path)s: %(error)s")
                % {"method": method, "path": parts.path, "error": str(exc) or type(exc).__name__}
            ) from None
        finally:
            conn.close()
        status = response.status
        if status == 429 or (status == 503 and "retry-after" in answer_headers):
            wait = _retry_after(answer_headers.get("retry-after"))
            raise ShopRateLimited(
                _("The shop asks us to wait %(seconds)s s (HTTP %(status)s).") % {"seconds": wait, "status": status},
                retry_after=wait,
                status=status,
            )
        if len(raw) > MAX_ANSWER_BYTES:
            raise ShopApiError(_("The shop's answer is too large."), status=status)
        try:
            data = json.loads(raw, parse_float=Decimal) if raw else None
        except (ValueError, UnicodeDecodeError):
            data = None
            if 200 <= status < 300:
                raise ShopApiError(_("The shop's answer is not JSON."), status=status) from None
        if not 200 <= status < 300:
            # WooCommerce says what went wrong in "message", Shopify in "errors" (or "error").
            detail = (
                next((data[k] for k in ("message", "errors", "error") if data.get(k)), "")
                if isinstance(data, dict)
                else raw[:200].decode("utf-8", "replace")
            )
            raise ShopApiError(
                _("The shop answered %(method)s %(path)s with HTTP %(status)s: %(detail)s")
                % {"method": method, "path": parts.path, "status": status, "detail": str(detail)[:300]},
                status=status,
            )
        return ShopResponse(status, answer_headers, data)


def _retry_after(value: str | None) -> int:
    try:
        return max(int(float(value or "")), 1)
    except ValueError:
        return 60


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
