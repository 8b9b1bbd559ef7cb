"""Channels as the screens and the API look them up."""

from __future__ import annotations

from orders.models import Channel


def channel_choices() -> list[tuple[str, str]]:
    """(code, name) of every channel, for filter and upload forms."""
    return list(Channel.objects.order_by("name").values_list("code", "name"))


def channel_by_code(code: str) -> Channel | None:
    """The channel with ``code``, or None."""
    return Channel.objects.filter(code=code).first()
