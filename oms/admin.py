from django.contrib import admin

from oms.models import ApiKey, OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "status", "attempts", "next_attempt_at", "created_at", "delivered_at"]
    list_filter = ["status", "kind"]
    readonly_fields = ["key", "kind", "payload", "attempts", "last_error", "created_at", "delivered_at"]
    search_fields = ["key", "kind"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    """Keys are created with ``manage.py create_api_key``; the admin shows only the prefix."""

    list_display = ["name", "channel_code", "prefix", "created_at", "last_used_at", "revoked_at"]
    fields = ["name", "channel_code", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]

    def has_add_permission(self, request) -> bool:
        return False
