"""Channels as the screens and the API look them up.

``channel_by_code`` keeps channels per process (``oms.lookups``): a change saved in the admin is
seen at once in the process that saved it and within ``LOOKUP_CACHE_SECONDS`` in every other one.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from oms.lookups import lookup_cache
from orders.models import Channel

_channels = lookup_cache("channels")


def channel_choices() -> list[tuple[str, str]]:
    """(code, name) of every channel, for filter and upload forms."""
    return list(Channel.objects.order_by("name").values_list("code", "name"))


def channel_by_code(code: str) -> Channel | None:
    """The channel with ``code``, or None. Read-only: callers do not save what it returns."""
    return _channels.get(code, lambda: Channel.objects.filter(code=code).first())


@receiver([post_save, post_delete], sender=Channel, dispatch_uid="orders.selectors.channels.forget")
def _forget_changed_channel(sender: type[Channel], instance: Channel, **kwargs: object) -> None:
    _channels.forget(instance.code)
