"""Composition of API answers across apps: an endpoint of a lower app (the order detail in
``orders``) carries fields contributed by higher apps (the order's shipments, from
``fulfillment``) without importing them, as ``oms.panels`` does for pages.

A contributor registers in its ``AppConfig.ready()``::

    api_extras.register("order-detail", name="shipments", field=ShipmentOutputSerializer(many=True),
                        data=lambda order, *, request: shipments_as_json(order))

The endpoint's serializer adds ``fields_for(slot)`` to its fields (so the OpenAPI schema describes
them with the contributor's serializer) and ``data_for(slot, obj, request=...)`` to its output.
``data`` returns JSON-ready values in the shape ``field`` declares; tests compare the two.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rest_framework import serializers


@dataclass(frozen=True)
class Extra:
    slot: str
    name: str
    field: serializers.Field
    data: Callable[..., Any]
    order: int = 100


_extras: dict[str, dict[str, Extra]] = defaultdict(dict)


def register(slot: str, *, name: str, field: serializers.Field, data: Callable[..., Any], order: int = 100) -> None:
    """Add ``name`` to the answers of ``slot``: ``field`` (read-only, e.g. a serializer with
    ``many=True``) describes it in the schema, ``data(obj, request=...)`` gives its value."""
    _extras[slot][name] = Extra(slot, name, field, data, order)


def extras_for(slot: str) -> list[Extra]:
    return sorted(_extras.get(slot, {}).values(), key=lambda e: (e.order, e.name))


def fields_for(slot: str) -> dict[str, serializers.Field]:
    """Fresh copies of the contributed fields of ``slot``, for a serializer's ``get_fields()``."""
    return {extra.name: copy.deepcopy(extra.field) for extra in extras_for(slot)}


def data_for(slot: str, obj: Any, *, request: Any = None) -> dict[str, Any]:
    """The value of every contributed field of ``slot`` for ``obj``."""
    return {extra.name: extra.data(obj, request=request) for extra in extras_for(slot)}
