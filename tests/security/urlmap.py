"""Every URL pattern of the project, found through the resolver, with a concrete sample path.

Security tests iterate over this list instead of a hand-kept one, so a page added tomorrow is
tested tomorrow without anyone remembering to add it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

STAFF_PREFIXES = ("/warehouse/", "/support/", "/reports/", "/documents/")
SAMPLE_BY_CONVERTER = {
    "IntConverter": "987654321",
    "StringConverter": "zz-does-not-exist",
    "SlugConverter": "zz-does-not-exist",
    "UUIDConverter": str(uuid.UUID(int=1)),
    "PathConverter": "zz/does-not-exist",
}


@dataclass(frozen=True)
class Route:
    path: str  # a concrete path with sample values for the parameters
    route: str  # the pattern as written
    name: str
    callback: Callable[..., Any]
    has_params: bool

    @property
    def required_roles(self) -> frozenset[str] | None:
        for obj in (self.callback, getattr(self.callback, "view_class", None)):
            roles = getattr(obj, "required_roles", None)
            if roles is not None:
                return frozenset(roles)
        return None

    @property
    def second_factor_required(self) -> bool:
        """The view needs a verified second factor whatever the role (``oms.second_factor``)."""
        return any(
            getattr(obj, "second_factor_required", False)
            for obj in (self.callback, getattr(self.callback, "view_class", None))
        )

    @property
    def csrf_exempt(self) -> bool:
        return bool(getattr(self.callback, "csrf_exempt", False))


def _walk(patterns: list, prefix: str, namespace: str, sample: str) -> Iterator[Route]:
    for p in patterns:
        if isinstance(p, URLResolver):
            if not isinstance(p.pattern, RoutePattern):
                # Regex includes (the admin's app lists) are covered by the admin's own tests.
                continue
            part, sample_part = _render(p.pattern)
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, prefix + part, ns, sample + sample_part)
        elif isinstance(p, URLPattern):
            if not isinstance(p.pattern, RoutePattern):
                continue
            part, sample_part = _render(p.pattern)
            yield Route(
                path="/" + sample + sample_part,
                route="/" + prefix + part,
                name=f"{namespace}{p.name}" if p.name else "",
                callback=p.callback,
                has_params=bool(p.pattern.converters) or "<" in prefix,
            )


def _render(pattern: RoutePattern) -> tuple[str, str]:
    route = str(pattern)
    sample = route
    for name, converter in pattern.converters.items():
        value = SAMPLE_BY_CONVERTER.get(type(converter).__name__, "1")
        # The converter's type name is in the route, e.g. <int:pk>; replace the whole placeholder.
        start = sample.find("<")
        while start != -1:
            end = sample.find(">", start)
            if sample[start + 1 : end].split(":")[-1] == name:
                sample = sample[:start] + value + sample[end + 1 :]
                break
            start = sample.find("<", end)
    return route, sample


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns, "", "", ""))


def staff_routes() -> list[Route]:
    return [r for r in all_routes() if r.path.startswith(STAFF_PREFIXES)]
