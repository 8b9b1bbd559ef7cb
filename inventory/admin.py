"""Admin for inventory master data. Stock itself is read-only here: it changes only through the
services (screens, API, commands), so the ledger always matches ``on_hand``."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from inventory.models import (
    BinLocation,
    BinStock,
    Category,
    ChannelStockBuffer,
    DailyDemand,
    DemandForecast,
    Product,
    PurchaseOrder,
    PurchaseOrderLine,
    ReplenishmentRule,
    StockLevel,
    StockMovement,
    Supplier,
    Warehouse,
)
from inventory.services.buffers import delete_channel_buffers
from inventory.services.notifications import note_stock_changed
from inventory.services.receiving import cancel_purchase_order
from inventory.services.replenishment import set_replenishment_rule
from oms.exceptions import DomainError


class ReadOnlyAdminMixin:
    """Viewable, never changed by hand."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "gtin", "category", "gross_price", "vat_rate", "active", "is_preorder"]
    list_filter = ["active", "is_preorder", "withdrawal_exclusion", "category", "vat_rate"]
    search_fields = ["sku", "name", "gtin"]
    autocomplete_fields = ["category", "default_supplier"]
    list_select_related = ["category"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["sku", "name", "gtin", "category", "default_supplier", "active"]}),
        (_("Prices"), {"fields": ["net_price", "gross_price", "vat_rate"]}),
        (_("Size and weight"), {"fields": ["weight_grams", "length_mm", "width_mm", "height_mm"]}),
        (_("Pre-order"), {"fields": ["is_preorder", "release_date"]}),
        (_("Right of withdrawal"), {"fields": ["withdrawal_exclusion"]}),
        (_("History"), {"fields": ["created_at", "updated_at"]}),
    ]


class BinLocationInline(admin.TabularInline):
    model = BinLocation
    extra = 0
    fields = ["code", "pick_sequence", "active"]


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "city", "country", "priority", "shipping_cutoff", "active"]
    list_filter = ["active", "country"]
    search_fields = ["code", "name", "city"]
    inlines = [BinLocationInline]


@admin.register(BinLocation)
class BinLocationAdmin(admin.ModelAdmin):
    list_display = ["code", "warehouse", "pick_sequence", "active"]
    list_filter = ["warehouse", "active"]
    search_fields = ["code"]
    list_select_related = ["warehouse"]


@admin.register(Supplier)
class SupplierAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "lead_time_days", "active"]
    list_filter = ["active"]
    search_fields = ["name", "email"]


class BinStockInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = BinStock
    extra = 0
    fields = ["bin", "quantity"]
    readonly_fields = fields


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["product", "warehouse", "on_hand", "reserved", "blocked", "available", "updated_at"]
    list_filter = ["warehouse"]
    search_fields = ["product__sku", "product__name"]
    list_select_related = ["product", "warehouse"]
    inlines = [BinStockInline]

    @admin.display(description=_("available"))
    def available(self, obj: StockLevel) -> int:
        return obj.available


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "product",
        "warehouse",
        "bin",
        "kind",
        "quantity",
        "blocked_change",
        "on_hand_after",
        "reference",
        "user",
    ]
    list_filter = ["kind", "warehouse"]
    search_fields = ["product__sku", "reference", "reason"]
    list_select_related = ["product", "warehouse", "bin", "user"]
    date_hierarchy = "created_at"


@admin.register(ChannelStockBuffer)
class ChannelStockBufferAdmin(admin.ModelAdmin):
    list_display = ["channel_code", "product", "buffer", "updated_at"]
    search_fields = ["channel_code", "product__sku"]
    autocomplete_fields = ["product"]

    # Deleting goes through the service, so channels syncing with ``updated_since`` see the change.
    def delete_model(self, request: HttpRequest, obj: ChannelStockBuffer) -> None:
        delete_channel_buffers(buffers=ChannelStockBuffer.objects.filter(pk=obj.pk))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ChannelStockBuffer]) -> None:
        delete_channel_buffers(buffers=queryset)


class PurchaseOrderLineForm(forms.ModelForm):
    class Meta:
        model = PurchaseOrderLine
        fields = ["product", "quantity_ordered", "unit_cost"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        received = self.instance.quantity_received if self.instance.pk else 0
        if received and "product" in self.changed_data:
            self.add_error("product", _("Units of this line have been received: the product cannot change."))
        ordered = data.get("quantity_ordered")
        if ordered is not None and ordered < max(received, 1):
            self.add_error(
                "quantity_ordered",
                _("Quantity ordered: enter at least %(minimum)d (already received: %(received)d).")
                % {"minimum": max(received, 1), "received": received},
            )
        return data


class PurchaseOrderLineInline(admin.TabularInline):
    """Lines of an open order can be changed (never below what has arrived); a closed order is history."""

    model = PurchaseOrderLine
    form = PurchaseOrderLineForm
    extra = 0
    autocomplete_fields = ["product"]
    readonly_fields = ["quantity_received"]

    def get_readonly_fields(self, request: HttpRequest, obj: PurchaseOrder | None = None) -> list[str]:
        if obj is not None and not (obj.is_open or obj.is_draft):
            return ["product", "quantity_ordered", "quantity_received", "unit_cost"]
        return list(super().get_readonly_fields(request, obj))

    def has_add_permission(self, request: HttpRequest, obj: PurchaseOrder | None = None) -> bool:
        return super().has_add_permission(request, obj) and (obj is None or obj.is_open or obj.is_draft)

    def has_delete_permission(self, request: HttpRequest, obj: PurchaseOrder | None = None) -> bool:
        # Nothing received yet: a line may still be dropped. After a receipt the lines are history.
        return super().has_delete_permission(request, obj) and (obj is None or obj.is_editable)


class PurchaseOrderAdminForm(forms.ModelForm):
    number = forms.CharField(
        label=_("number"),
        max_length=30,
        required=False,
        help_text=_("Leave empty to number it automatically (PO-000123)."),
    )

    class Meta:
        model = PurchaseOrder
        fields = ["number", "supplier", "warehouse", "expected_date", "note"]


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(admin.ModelAdmin):
    """Purchase orders are created here (the receiving screen books their arrival). Lines changed here
    change the inbound quantity that channels see, so a ``stock.changed`` event follows the save."""

    form = PurchaseOrderAdminForm
    list_display = ["number", "supplier", "warehouse", "expected_date", "state", "created_at"]
    list_filter = ["state", "warehouse", "supplier"]
    search_fields = ["number", "supplier__name"]
    list_select_related = ["supplier", "warehouse"]
    readonly_fields = ["state", "created_by", "created_at", "updated_at"]
    inlines = [PurchaseOrderLineInline]
    actions = ["cancel_selected"]

    def get_readonly_fields(self, request: HttpRequest, obj: PurchaseOrder | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("number")
            if not obj.is_editable:  # goods have arrived for this supplier and warehouse
                fields += ["supplier", "warehouse"]
        return fields

    def save_model(self, request: HttpRequest, obj: PurchaseOrder, form: Any, change: bool) -> None:
        if not change:
            obj.created_by = request.user
        numbered_later = not obj.number
        if numbered_later:
            obj.number = f"tmp-{uuid.uuid4().hex[:24]}"
        super().save_model(request, obj, form, change)
        if numbered_later:
            obj.number = f"PO-{obj.pk:06d}"
            obj.save(update_fields=["number"])

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        po = form.instance
        products = set(po.lines.values_list("product_id", flat=True))
        for formset in formsets:  # deleted lines no longer count as inbound either
            products |= {line.product_id for line in formset.deleted_objects}
        note_stock_changed([(product_id, po.warehouse_id) for product_id in products])

    @admin.action(description=_("Cancel the selected purchase orders"))
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[PurchaseOrder]) -> None:
        cancelled = 0
        for po in queryset.order_by("pk"):
            try:
                cancel_purchase_order(purchase_order=po, user=request.user)
            except DomainError as error:
                self.message_user(request, f"{po.number}: {error.message}", level=messages.WARNING)
            else:
                cancelled += 1
        if cancelled:
            self.message_user(
                request, _("%(count)d purchase orders cancelled.") % {"count": cancelled}, level=messages.SUCCESS
            )


# --- replenishment ------------------------------------------------------------------------------


@admin.register(DailyDemand)
class DailyDemandAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Demand history is recorded when orders are allocated (and by the seeders); read-only here."""

    list_display = ["date", "product", "warehouse", "quantity"]
    list_filter = ["warehouse"]
    search_fields = ["product__sku", "product__name"]
    list_select_related = ["product", "warehouse"]
    date_hierarchy = "date"
    ordering = ["-date", "product__sku"]
    show_full_result_count = False  # millions of rows: no COUNT(*) of the whole table per page


class ReplenishmentRuleAdminForm(forms.ModelForm):
    class Meta:
        model = ReplenishmentRule
        fields = ["product", "warehouse", "reorder_point", "target_level", "service_level"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        reorder_point, target = data.get("reorder_point"), data.get("target_level")
        if reorder_point is not None and target is not None and target < reorder_point:
            self.add_error("target_level", _("The target level must be at least the reorder point."))
        return data


@admin.register(ReplenishmentRule)
class ReplenishmentRuleAdmin(admin.ModelAdmin):
    """Min/max rules by hand. Saving goes through ``set_replenishment_rule``, so the stored
    suggestion (order quantity, safety stock) follows the rule as on the replenishment screen."""

    form = ReplenishmentRuleAdminForm
    list_display = [
        "product",
        "warehouse",
        "reorder_point",
        "target_level",
        "service_level",
        "source",
        "updated_by",
        "updated_at",
    ]
    list_filter = ["warehouse", "source"]
    search_fields = ["product__sku", "product__name"]
    list_select_related = ["product", "warehouse", "updated_by"]
    autocomplete_fields = ["product"]
    readonly_fields = ["source", "updated_by", "updated_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: ReplenishmentRule | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:  # a rule belongs to its pair; a rule for another pair is a new rule
            fields += ["product", "warehouse"]
        return fields

    def save_model(self, request: HttpRequest, obj: ReplenishmentRule, form: Any, change: bool) -> None:
        # The form has checked what the service checks (reorder point >= 0, target >= reorder point).
        saved = set_replenishment_rule(
            product_id=obj.product_id,
            warehouse_id=obj.warehouse_id,
            reorder_point=obj.reorder_point,
            target_level=obj.target_level,
            service_level=obj.service_level,
            user=request.user,
        )
        obj.pk = saved.pk


@admin.register(DemandForecast)
class DemandForecastAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Forecasts are recomputed nightly (``recompute_forecasts``); read-only here."""

    list_display = [
        "product",
        "warehouse",
        "method",
        "mean_daily_demand",
        "days_of_cover",
        "wape_model",
        "wape_naive",
        "suggested_reorder_point",
        "suggested_target",
        "suggested_order_qty",
        "computed_at",
    ]
    list_filter = ["warehouse", "method"]
    search_fields = ["product__sku", "product__name"]
    list_select_related = ["product", "warehouse"]
