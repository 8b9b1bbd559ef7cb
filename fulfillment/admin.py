"""Admin for fulfillment's master data: carriers (with their pickup cut-off) and their services."""

from __future__ import annotations

from django.contrib import admin

from fulfillment.models import Carrier, CarrierService


class CarrierServiceInline(admin.TabularInline):
    model = CarrierService
    extra = 0
    fields = ["code", "name", "max_weight_grams", "delivery_weekdays", "is_express", "active"]


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "pickup_cutoff", "active"]
    list_filter = ["active"]
    search_fields = ["name", "code"]
    fields = [
        "code",
        "name",
        "pickup_cutoff",
        "integration",
        "tracking_url_pattern",
        "tracking_number_pattern",
        "account_number",
        "webhook_secret",
        "active",
    ]
    inlines = [CarrierServiceInline]
