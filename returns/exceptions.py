"""Domain errors of the returns app; nothing was changed when one is raised."""

from __future__ import annotations

from oms.exceptions import DomainError


class ReturnError(DomainError):
    """A return request was refused; ``data["field"]`` names the input at fault."""
