"""The warehouse board on its own URL: the warehouse home polls it (htmx) to refresh the board in
place; without htmx it is a page of its own."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from fulfillment.panels import board_context
from oms.roles import Role, role_required


@role_required(Role.WAREHOUSE)
@require_GET
@vary_on_headers("HX-Request")
def warehouse_board(request: HttpRequest) -> HttpResponse:
    template = "fulfillment/partials/warehouse_board.html" if request.htmx else "fulfillment/warehouse_board.html"
    return render(request, template, board_context(now=timezone.now()))
