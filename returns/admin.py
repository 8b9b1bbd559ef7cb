from __future__ import annotations

from django.contrib import admin

from returns.models import ReturnEvent, ReturnLine, ReturnRequest


class ReturnLineInline(admin.TabularInline):
    model = ReturnLine
    extra = 0
    can_delete = False
    readonly_fields = [
        "order_line",
        "quantity",
        "quantity_received",
        "quantity_restocked",
        "quantity_damaged",
        "quantity_missing",
        "quantity_scrapped",
    ]

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


class ReturnEventInline(admin.TabularInline):
    model = ReturnEvent
    extra = 0
    can_delete = False
    readonly_fields = ["from_state", "to_state", "reason", "actor", "actor_label", "created_at"]

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False


@admin.register(ReturnRequest)
class ReturnRequestAdmin(admin.ModelAdmin):
    """Read-only: return requests change through ``returns.services`` only."""

    list_display = ["number", "order", "state", "reason", "value", "auto_approved", "created_at"]
    list_filter = ["state", "reason", "auto_approved"]
    search_fields = ["number", "order__number"]
    list_select_related = ["order"]
    inlines = [ReturnLineInline, ReturnEventInline]

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
