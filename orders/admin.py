"""Admin for order master data (channels, customers, tags) and read-only views of orders for
emergencies. Orders change only through services, so their state and money are read-only here."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from orders.models import (
    Allocation,
    CaseMessage,
    Channel,
    Customer,
    Note,
    Order,
    OrderEvent,
    OrderLine,
    PaymentTransaction,
    SupportCase,
    Tag,
)


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "platform", "allows_split_shipments", "active"]
    list_filter = ["kind", "platform", "active"]
    search_fields = ["code", "name"]


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "company", "language", "created_at"]
    search_fields = ["email", "name", "company", "vat_id", "phone"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name", "color"]
    search_fields = ["name"]


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LineInline(ReadOnlyInline):
    model = OrderLine
    fields = [
        "position",
        "sku",
        "name",
        "quantity",
        "unit_price",
        "discount",
        "vat_rate",
        "line_total",
        "quantity_allocated",
        "quantity_shipped",
        "quantity_returned",
        "quantity_cancelled",
    ]


class EventInline(ReadOnlyInline):
    model = OrderEvent
    fields = ["created_at", "kind", "actor_label", "from_state", "to_state", "message"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["number", "channel", "external_id", "email", "state", "total", "currency", "created_at"]
    list_filter = ["state", "channel", "payment_state"]
    search_fields = ["number", "external_id", "email", "shipping_postcode"]
    list_select_related = ["channel"]
    show_full_result_count = False
    raw_id_fields = ["customer"]
    inlines = [LineInline, EventInline]
    filter_horizontal = ["tags"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        editable = {"tags"}
        return [f.name for f in Order._meta.fields if f.name not in editable]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Allocation, PaymentTransaction, Note, OrderEvent)
class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class CaseMessageInline(ReadOnlyInline):
    model = CaseMessage
    fields = ["created_at", "author_label", "from_customer", "internal", "body"]


@admin.register(SupportCase)
class SupportCaseAdmin(admin.ModelAdmin):
    list_display = ["subject", "customer", "order", "state", "updated_at"]
    list_filter = ["state"]
    raw_id_fields = ["order", "customer"]
    readonly_fields = ["state"]
    inlines = [CaseMessageInline]
