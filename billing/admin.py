"""Admin: the seller profile and channel billing settings are edited here; invoices, credit notes
and dunning notices are shown read-only (an issued document never changes: corrections are credit
notes). Dunning pauses are read-only too, except for the action that resumes them through the
dunning service (on the order's timeline)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from billing.models import (
    ChannelBilling,
    ChannelEInvoicing,
    CreditNote,
    CreditNoteLine,
    CreditNoteVatRow,
    CustomerEInvoicing,
    DunningNotice,
    DunningPause,
    Invoice,
    InvoiceLine,
    InvoicePayment,
    InvoiceVatRow,
    NumberCounter,
    SellerProfile,
)


@admin.register(SellerProfile)
class SellerProfileAdmin(admin.ModelAdmin):
    list_display = ["company", "vat_id", "tax_number", "iban", "payment_terms_days", "oss_threshold"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not SellerProfile.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ChannelBilling)
class ChannelBillingAdmin(admin.ModelAdmin):
    list_display = ["channel", "issue_on", "payment_terms_days"]


@admin.register(ChannelEInvoicing)
class ChannelEInvoicingAdmin(admin.ModelAdmin):
    list_display = ["channel", "b2b_format"]


@admin.register(CustomerEInvoicing)
class CustomerEInvoicingAdmin(admin.ModelAdmin):
    list_display = ["customer", "format", "buyer_reference"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
    search_fields = ["customer__email", "customer__company", "buyer_reference"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class InvoiceLineInline(ReadOnlyInline):
    model = InvoiceLine


class InvoiceVatRowInline(ReadOnlyInline):
    model = InvoiceVatRow


class InvoicePaymentInline(ReadOnlyInline):
    model = InvoicePayment


class DunningNoticeInline(ReadOnlyInline):
    model = DunningNotice
    fields = ["level", "notice_date", "pay_by", "open_amount", "fee", "fees_total", "document"]


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "order", "invoice_date", "total", "amount_due", "state"]
    list_filter = ["state", "tax_treatment"]
    search_fields = ["number", "order__number", "buyer_name"]
    inlines = [InvoiceLineInline, InvoiceVatRowInline, InvoicePaymentInline, DunningNoticeInline]


class CreditNoteLineInline(ReadOnlyInline):
    model = CreditNoteLine


class CreditNoteVatRowInline(ReadOnlyInline):
    model = CreditNoteVatRow


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyAdmin):
    list_display = ["number", "invoice", "order", "credit_date", "total", "reason"]
    list_filter = ["reason"]
    search_fields = ["number", "invoice__number", "order__number"]
    inlines = [CreditNoteLineInline, CreditNoteVatRowInline]


@admin.register(DunningNotice)
class DunningNoticeAdmin(ReadOnlyAdmin):
    """Every reminder sent: a document the customer has, so nothing here changes."""

    list_display = ["invoice", "level", "notice_date", "pay_by", "open_amount", "fees_total", "currency"]
    list_filter = ["level", "notice_date"]
    list_select_related = ["invoice"]
    search_fields = ["invoice__number", "invoice__order__number", "invoice__buyer_name"]
    date_hierarchy = "notice_date"
    ordering = ["-notice_date", "-pk"]


@admin.register(DunningPause)
class DunningPauseAdmin(ReadOnlyAdmin):
    """Pauses of dunning with their reason; resumed with the action (as support does on the
    invoice's dunning page), never edited or deleted."""

    list_display = ["invoice", "reason", "paused_at", "paused_by", "resumed_at", "resumed_by"]
    list_filter = [("resumed_at", admin.EmptyFieldListFilter), "paused_at"]
    list_select_related = ["invoice", "paused_by", "resumed_by"]
    search_fields = ["invoice__number", "invoice__order__number", "reason"]
    ordering = ["-paused_at", "-pk"]
    actions = ["resume"]

    @admin.action(description=_("Resume dunning of the selected invoices"))
    def resume(self, request: HttpRequest, queryset: QuerySet[DunningPause]) -> None:
        from billing.services.dunning import resume_dunning

        resumed = 0
        for pause in queryset.filter(resumed_at__isnull=True).select_related("invoice"):
            resume_dunning(invoice=pause.invoice, user=request.user, actor_label=f"admin:{request.user.get_username()}")
            resumed += 1
        self.message_user(
            request,
            ngettext("Dunning resumed for %(count)d invoice.", "Dunning resumed for %(count)d invoices.", resumed)
            % {"count": resumed},
            messages.SUCCESS,
        )


@admin.register(NumberCounter)
class NumberCounterAdmin(ReadOnlyAdmin):
    list_display = ["series", "year", "last"]
