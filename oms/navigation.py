"""The staff navigation: apps register their entries in ``AppConfig.ready()``; the shell shows
each user the entries of their roles, grouped by area."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from oms.roles import Role, user_roles


@dataclass(frozen=True)
class Area:
    code: str
    label: str | Promise
    url_name: str
    roles: frozenset[str]


@dataclass(frozen=True)
class Entry:
    area: str
    label: str | Promise
    url_name: str
    roles: frozenset[str]
    order: int = 100


AREAS: tuple[Area, ...] = (
    Area("warehouse", _("Warehouse"), "warehouse-home", frozenset({Role.WAREHOUSE})),
    Area("support", _("Support"), "support-home", frozenset({Role.SUPPORT})),
    Area("reports", _("Reports"), "reports-home", frozenset({Role.MANAGER})),
    Area("admin", _("Administration"), "admin:index", frozenset({Role.ADMIN})),
)
_entries: list[Entry] = []
# areas_for's answer per (roles, script prefix): the same for every user with the same roles, and
# built on every page otherwise (a reverse() per entry). Labels stay lazy, so one answer serves
# every language. Emptied when an entry is registered.
_areas_cache: dict[tuple[frozenset[str], str], list[dict[str, Any]]] = {}


def register(
    area: str, label: str | Promise, url_name: str, *, roles: set[str] | None = None, order: int = 100
) -> None:
    """Add a link under ``area``; ``roles`` defaults to the area's roles."""
    area_obj = next(a for a in AREAS if a.code == area)
    entry = Entry(area, label, url_name, frozenset(roles) if roles else area_obj.roles, order)
    if all(e.url_name != url_name for e in _entries):
        _entries.append(entry)
        _areas_cache.clear()


def areas_for(user: Any) -> list[dict[str, Any]]:
    """The areas (with their entries) that ``user`` may open, in menu order."""
    roles = user_roles(user)
    if not roles:
        return []
    key = (frozenset(roles), get_script_prefix())
    if key not in _areas_cache:
        _areas_cache[key] = _build_areas(key[0])
    return _areas_cache[key]


def _build_areas(roles: frozenset[str]) -> list[dict[str, Any]]:
    result = []
    for area in AREAS:
        if not (roles & area.roles) and Role.ADMIN not in roles:
            continue
        entries = [
            {"label": e.label, "url": _reverse(e.url_name)}
            for e in sorted(_entries, key=lambda e: (e.order, str(e.label)))
            if e.area == area.code and (roles & e.roles or Role.ADMIN in roles)
        ]
        result.append({"code": area.code, "label": area.label, "url": _reverse(area.url_name), "entries": entries})
    return result


def _reverse(url_name: str) -> str:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return "#"
