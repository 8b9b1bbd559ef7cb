"""Inventory pages, by area: ``stock`` (overview, product page, adjust/transfer/count),
``purchasing`` (receiving), ``purchase_orders`` (list, order page, create/edit/send/cancel),
``replenishment`` (suggestions, forecasts), ``catalogue_csv`` (CSV import/export)."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe


def render_fragments(
    request: HttpRequest, fragments: Iterable[tuple[str, dict]], *, status: int = 200, with_messages: bool = True
) -> HttpResponse:
    """Concatenate several partials into one htmx answer; the first replaces the target, the others
    swap out of band (their root carries ``hx-swap-oob`` when ``oob`` is true in their context).
    Flash messages go along as the out-of-band ``#messages`` region."""
    parts = [render_to_string(template, context, request=request) for template, context in fragments]
    if with_messages:
        parts.append(
            render_to_string("partials/messages.html", {"messages": messages.get_messages(request)}, request=request)
        )
    return HttpResponse(mark_safe("".join(parts)), status=status)
