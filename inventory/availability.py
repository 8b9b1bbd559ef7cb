"""The availability rule, once. Every app that asks "can this be sold?" asks here.

A stock level can promise ``on_hand - reserved - blocked`` units: on hand, minus units promised
to orders (``reserved``), minus units on hand that must not be sold (``blocked``: quarantine,
damaged returns awaiting a decision). Only active warehouses count (the selectors filter them).
A sales channel may have a buffer (``ChannelStockBuffer``) held back from its total, never below
zero: ``after_buffer``. Buffers shape what a channel is offered; they do not stop an order a
channel has already taken from being allocated.

In Python on a level, ``available(level)`` and ``can_promise(level, quantity)``; in a query,
``StockLevel.objects.with_available()`` (annotates ``available_units``) or the expressions
``AVAILABLE`` / ``available_through(prefix)`` for joined rows.
"""

from __future__ import annotations

from typing import Protocol

from django.db.models import Expression, F


class Level(Protocol):
    on_hand: int
    reserved: int
    blocked: int


AVAILABLE: Expression = F("on_hand") - F("reserved") - F("blocked")


def available_through(prefix: str) -> Expression:
    """``AVAILABLE`` of stock levels reached through a relation, e.g. ``available_through("stock_levels")``."""
    return F(f"{prefix}__on_hand") - F(f"{prefix}__reserved") - F(f"{prefix}__blocked")


def available(level: Level) -> int:
    """Units of ``level`` that may be promised to a new order."""
    return level.on_hand - level.reserved - level.blocked


def units_available(*, on_hand: int, reserved: int, blocked: int) -> int:
    """``available`` of values read without a model instance (raw rows, ``values_list``)."""
    return on_hand - reserved - blocked


def can_promise(level: Level, quantity: int) -> bool:
    return available(level) >= quantity


def after_buffer(available_units: int, buffer: int) -> int:
    """What a channel may sell of ``available_units`` after its buffer, never below zero."""
    return max(available_units - buffer, 0)
