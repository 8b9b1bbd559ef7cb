"""Why a webhook delivery is not taken in, as exceptions carrying their HTTP answer.

Raised anywhere below the views; ``views.answers_in_json`` turns each into one JSON answer
``{"code", "message", ...}`` with its status, so no step returns an error as a value.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from orders.error_codes import OrderErrorCode


class WebhookError(Exception):
    """A delivery refused; ``status`` and ``code`` are its answer, ``extra`` more JSON fields."""

    status = 400
    code = OrderErrorCode.WEBHOOK_ERROR

    def __init__(self, message: str, **extra: Any):
        super().__init__(message)
        self.message = message
        self.extra = extra

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.extra}


class SignatureError(WebhookError):
    """Unknown channel, no secret, missing or wrong signature: all answered alike."""

    status = 401
    code = OrderErrorCode.INVALID_SIGNATURE

    def __init__(self) -> None:
        super().__init__(_("The webhook signature could not be verified."))


class MethodNotAllowedError(WebhookError):
    status = 405
    code = OrderErrorCode.METHOD_NOT_ALLOWED

    def __init__(self) -> None:
        super().__init__(_("Webhooks are delivered with POST."))


class PayloadTooLargeError(WebhookError):
    status = 413
    code = OrderErrorCode.PAYLOAD_TOO_LARGE

    def __init__(self, limit: int):
        super().__init__(_("The request body is larger than the %(limit)s bytes accepted.") % {"limit": limit})


class MalformedBodyError(WebhookError):
    """The body is not a JSON object."""

    status = 400
    code = OrderErrorCode.PARSE_ERROR


class PayloadError(WebhookError):
    """The payload is authentic but cannot become an order (a field missing or unusable)."""

    status = 422
    code = OrderErrorCode.INVALID_PAYLOAD

    def __init__(self, field: str, message: str):
        super().__init__(message, errors={field: [message]})
        self.field = field

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"
