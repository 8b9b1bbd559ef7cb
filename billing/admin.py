"""Admin: the seller profile and channel billing settings are edited here; invoices and credit
notes are shown read-only (an issued document never changes: corrections are credit notes)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from billing.models import (
    ChannelBilling,
    ChannelEInvoicing,
    CreditNote,
    CreditNoteLine,
    CreditNoteVatRow,
    CustomerEInvoicing,
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


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = ["number", "order", "invoice_date", "total", "amount_due", "state"]
    list_filter = ["state", "tax_treatment"]
    search_fields = ["number", "order__number", "buyer_name"]
    inlines = [InvoiceLineInline, InvoiceVatRowInline, InvoicePaymentInline]


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


@admin.register(NumberCounter)
class NumberCounterAdmin(ReadOnlyAdmin):
    list_display = ["series", "year", "last"]
