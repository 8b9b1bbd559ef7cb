from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from oms import mail
from oms.models import ApiKey, CustomerMail, Document, OutboxMessage


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


@admin.register(CustomerMail)
class CustomerMailAdmin(admin.ModelAdmin):
    """Every customer mail with its status; failing ones show attempts and the last error."""

    list_display = ["id", "kind", "to", "language", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status", "kind", "language"]
    search_fields = ["to", "subject_id", "subject_line"]
    readonly_fields = [f.name for f in CustomerMail._meta.fields]
    actions = ["resend"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description=_("Send the selected mails again"))
    def resend(self, request: HttpRequest, queryset: QuerySet[CustomerMail]) -> None:
        sent, refused = 0, 0
        for customer_mail in queryset:
            try:
                mail.resend_mail(customer_mail, requested_by=f"user:{request.user.get_username()}")
                sent += 1
            except mail.MailError:
                refused += 1
        if sent:
            self.message_user(request, ngettext("%d mail sent again.", "%d mails sent again.", sent) % sent)
        if refused:
            self.message_user(
                request,
                ngettext(
                    "%d mail is still on its way and was not sent again.",
                    "%d mails are still on their way and were not sent again.",
                    refused,
                )
                % refused,
                messages.WARNING,
            )


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "subject", "version", "status", "size", "rendered_at"]
    list_filter = ["status", "kind"]
    search_fields = ["subject", "sha256"]
    readonly_fields = [f.name for f in Document._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
