"""Carrier integrations, one class each behind ``base.CarrierIntegration``.

A carrier row names its integration class by dotted path (``Carrier.integration``, e.g.
``fulfillment.carriers.offline.OfflineDHLPaket``); ``integration_for(carrier)`` returns an
instance bound to that row. The built-in ones are offline (``offline.py``); a real carrier API is
one more subclass, named the same way.
"""

from __future__ import annotations

from typing import Any

from django.utils.module_loading import import_string

from fulfillment.carriers.base import CarrierIntegration


class UnknownIntegrationError(LookupError):
    pass


def integration_class(path: str) -> type[CarrierIntegration]:
    """The integration class at dotted ``path``; refuses anything that is not one."""
    try:
        cls = import_string(path)
    except ImportError:
        raise UnknownIntegrationError(f"No carrier integration at {path!r}") from None
    if not (isinstance(cls, type) and issubclass(cls, CarrierIntegration)):
        raise UnknownIntegrationError(f"{path!r} is not a carrier integration")
    return cls


def integration_for(carrier: Any) -> CarrierIntegration:
    """The integration of ``carrier`` (a ``Carrier`` row), bound to it."""
    return integration_class(carrier.integration)(carrier)
