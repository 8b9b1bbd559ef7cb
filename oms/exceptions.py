"""Domain errors. Each carries a stable machine-readable ``code`` and a translated message, so a
page can show it and the API can answer with it (``oms.api.exception_handler``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from oms.error_codes import CommonErrorCode


class DomainError(Exception):
    """A business rule refused the operation; nothing was changed."""

    code = CommonErrorCode.DOMAIN_ERROR
    http_status = 422

    def __init__(self, message: str, *, code: str | None = None, data: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.data = data or {}

    def as_dict(self) -> dict[str, Any]:
        return {"code": str(self.code), "message": self.message, **({"details": self.data} if self.data else {})}


class IllegalTransitionError(DomainError):
    """The object's state machine does not allow this action from its current state."""

    code = CommonErrorCode.ILLEGAL_TRANSITION
    http_status = 409

    def __init__(self, *, obj: object, action: str, state: str, message: str | None = None):
        self.obj = obj
        self.action = action
        self.state = state
        super().__init__(
            message
            or _("“%(action)s” is not possible while %(object)s is “%(state)s”.")
            % {"action": action, "object": obj, "state": state},
            data={"action": action, "state": state},
        )


class ConflictError(DomainError):
    """The request collides with another one (a duplicate, a concurrent change)."""

    code = CommonErrorCode.CONFLICT
    http_status = 409


class NotFoundError(DomainError):
    code = CommonErrorCode.NOT_FOUND
    http_status = 404
