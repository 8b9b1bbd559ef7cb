"""Admin for order master data (channels, customers, tags) and read-only views of orders for
emergencies. Orders change only through services, so their state and money are read-only here."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from oms import documents, mail
from orders.mails import LEGAL_TEXT
from orders.models import (
    Allocation,
    CaseMessage,
    Channel,
    Customer,
    LegalText,
    Note,
    Order,
    OrderEvent,
    OrderLine,
    OrderRating,
    PaymentTransaction,
    ShopConnection,
    ShopOrderFailure,
    ShopSyncRun,
    SupportCase,
    Tag,
)
from orders.services.shop_sync import sync_all_stock
from orders.tasks import pull_shop_orders_task


class ChannelForm(forms.ModelForm):
    shop_sent_mails = forms.MultipleChoiceField(
        label=_("mails the shop sends itself"),
        choices=mail.kind_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("We send none of these to this channel's customers: its shop already does."),
    )

    class Meta:
        model = Channel
        exclude: list[str] = []


class LegalTextInline(admin.StackedInline):
    model = LegalText
    extra = 0
    fields = ["kind", "language", "title", "body", "file", "version", "updated_at"]
    readonly_fields = ["version", "updated_at"]


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    form = ChannelForm
    list_display = ["code", "name", "kind", "platform", "allows_split_shipments", "active"]
    list_filter = ["kind", "platform", "active"]
    search_fields = ["code", "name"]
    inlines = [LegalTextInline]

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is LegalText:
            for legal_form in formset.forms:
                _count_legal_text_change(legal_form)
        super().save_formset(request, form, formset, change)
        if formset.model is LegalText:
            for legal_text in formset.new_objects + [obj for obj, _fields in formset.changed_objects]:
                _prepare_pdf(legal_text)


@admin.register(LegalText)
class LegalTextAdmin(admin.ModelAdmin):
    list_display = ["title", "channel", "kind", "language", "version", "updated_at"]
    list_filter = ["channel", "kind", "language"]
    fields = ["channel", "kind", "language", "title", "body", "file", "version", "updated_at"]
    readonly_fields = ["version", "updated_at"]

    def save_model(self, request: HttpRequest, obj: LegalText, form: Any, change: bool) -> None:
        _count_legal_text_change(form)
        super().save_model(request, obj, form, change)
        _prepare_pdf(obj)


def _prepare_pdf(legal_text: LegalText) -> None:
    """Render the new version's PDF on the documents queue now, so confirmation mails find it
    ready (the admin saves in a transaction: the request commits with the text)."""
    if not legal_text.file:
        documents.request_document(LEGAL_TEXT, subject=str(legal_text.pk), version=legal_text.version)


def _count_legal_text_change(form: Any) -> None:
    """A changed text is a new version: mails sent before keep the PDF of the version they had."""
    obj = form.instance
    if obj.pk and form.has_changed() and {"title", "body", "file"} & set(form.changed_data):
        obj.version += 1
        obj.updated_at = timezone.now()


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


@admin.register(Allocation, PaymentTransaction, Note, OrderEvent, OrderRating)
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


class ShopSyncRunInline(admin.TabularInline):
    model = ShopSyncRun
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = _("sync runs of the last seven days")
    fields = [
        "started_at",
        "kind",
        "outcome",
        "fetched",
        "created",
        "updated",
        "duplicates",
        "refused",
        "items",
        "message",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[ShopSyncRun]:
        return super().get_queryset(request).filter(started_at__gte=timezone.now() - datetime.timedelta(days=7))


class ShopOrderFailureInline(admin.TabularInline):
    model = ShopOrderFailure
    extra = 0
    max_num = 0
    can_delete = False
    verbose_name_plural = _("shop orders not taken in")
    fields = ["external_id", "error", "attempts", "first_failed_at", "last_tried_at"]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[ShopOrderFailure]:
        return super().get_queryset(request).filter(resolved_at__isnull=True)


@admin.register(ShopConnection)
class ShopConnectionAdmin(admin.ModelAdmin):
    """A channel's shop: credentials and what to sync, the sync's state (when it last pulled, what
    went wrong, when it tries again), its recent runs and the shop orders it could not take in."""

    list_display = [
        "channel",
        "kind",
        "base_url",
        "active",
        "last_pull_at",
        "last_success_at",
        "failures",
        "orders_taken_in",
        "open_failures",
        "short_error",
    ]
    list_filter = ["active", "kind"]
    search_fields = ["channel__code", "channel__name", "base_url"]
    readonly_fields = [
        "pull_cursor",
        "pull_started_at",
        "last_pull_at",
        "last_success_at",
        "next_pull_at",
        "failures",
        "last_error",
        "orders_taken_in",
        "last_stock_push_at",
    ]
    fieldsets = [
        (None, {"fields": ["channel", "kind", "base_url", "api_key", "api_secret", "shop_location_id", "active"]}),
        (_("What to sync"), {"fields": ["pull_orders", "pull_since", "push_shipments", "push_stock"]}),
        (_("State of the sync"), {"fields": readonly_fields}),
    ]
    inlines = [ShopOrderFailureInline, ShopSyncRunInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["pull_now", "push_all_stock_now", "retry_failed_orders"]

    @admin.display(description=_("orders not taken in"))
    def open_failures(self, obj: ShopConnection) -> int:
        return obj.order_failures.filter(resolved_at__isnull=True).count()

    @admin.display(description=_("last error"))
    def short_error(self, obj: ShopConnection) -> str:
        return obj.last_error[:120]

    @admin.action(description=_("Pull new orders now"), permissions=["change"])
    def pull_now(self, request: HttpRequest, queryset: QuerySet[ShopConnection]) -> None:
        ShopConnection.objects.filter(pk__in=queryset.values("pk")).update(next_pull_at=None)
        for connection in queryset:
            pull_shop_orders_task.delay(connection.pk)
        self.message_user(request, _("A pull was started for %(count)s shop(s).") % {"count": queryset.count()})

    @admin.action(description=_("Push all stock now"), permissions=["change"])
    def push_all_stock_now(self, request: HttpRequest, queryset: QuerySet[ShopConnection]) -> None:
        count = sync_all_stock(connection_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, _("A full stock push was queued for %(count)s shop(s).") % {"count": count})

    @admin.action(description=_("Try the orders not taken in again"), permissions=["change"])
    def retry_failed_orders(self, request: HttpRequest, queryset: QuerySet[ShopConnection]) -> None:
        count = ShopOrderFailure.objects.filter(connection__in=queryset, resolved_at__isnull=True).update(attempts=0)
        self.message_user(request, _("%(count)s order(s) will be tried again at the next pull.") % {"count": count})


@admin.register(ShopSyncRun)
class ShopSyncRunAdmin(admin.ModelAdmin):
    list_display = ["started_at", "connection", "kind", "outcome", "fetched", "created", "refused", "items", "message"]
    list_filter = ["kind", "outcome", "connection"]
    readonly_fields = [f.name for f in ShopSyncRun._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ShopOrderFailure)
class ShopOrderFailureAdmin(admin.ModelAdmin):
    list_display = ["external_id", "connection", "attempts", "last_tried_at", "resolved_at", "order", "error"]
    list_filter = ["connection", ("resolved_at", admin.EmptyFieldListFilter)]
    search_fields = ["external_id"]
    readonly_fields = [f.name for f in ShopOrderFailure._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
