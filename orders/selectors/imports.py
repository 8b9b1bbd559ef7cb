"""The CSV order import pages."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from orders.models.imports import OrderImport


def recent_order_imports(*, limit: int = 10) -> list[OrderImport]:
    """The newest imports, for the upload page (one query)."""
    return list(OrderImport.objects.order_by("-created_at", "-id")[:limit])


def order_import_or_404(*, pk: int) -> OrderImport:
    return get_object_or_404(OrderImport, pk=pk)
