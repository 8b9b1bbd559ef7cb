"""Admin for order master data (channels, customers, tags) and read-only views of orders for
emergencies. Orders change only through services, so their state and money are read-only here."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
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
    SupportCase,
    Tag,
)


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
