import secrets
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from oms import mail, second_factor, webhooks
from oms.models import (
    ApiKey,
    CustomerDataAccess,
    CustomerMail,
    Document,
    OutboxMessage,
    PrivacyAuditEntry,
    StaffSecondFactor,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from oms.roles import Role


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


# django-otp's own device admins would let an admin add a device to someone else's account (and
# so give that person's second factor) or read secrets: the one thing an admin does with a
# device is reset it, below.
for device_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(device_model):
        admin.site.unregister(device_model)


@admin.register(StaffSecondFactor)
class StaffSecondFactorAdmin(admin.ModelAdmin):
    """Who has set up two-factor authentication, and the reset for a lost phone. Read-only besides."""

    list_display = ["username", "full_name", "roles", "enrolled", "last_used_at", "must_use"]
    list_filter = ["is_active", "groups"]
    search_fields = ["username", "first_name", "last_name"]
    fields = ["username", "first_name", "last_name", "is_active", "last_login"]
    readonly_fields = fields
    actions = ["reset"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[StaffSecondFactor]:
        authenticators = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        return (
            super()
            .get_queryset(request)
            .annotate(
                has_authenticator=Exists(authenticators),
                authenticator_used_at=Subquery(authenticators.order_by("-pk").values("last_used_at")[:1]),
            )
            .prefetch_related("groups")
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        """The change permission allows the reset action; no account is edited here."""
        return obj is None and super().has_change_permission(request)

    @admin.display(description=_("name"))
    def full_name(self, obj: StaffSecondFactor) -> str:
        return obj.get_full_name()

    @admin.display(description=_("roles"))
    def roles(self, obj: StaffSecondFactor) -> str:
        names = {group.name for group in obj.groups.all()}
        return ", ".join(str(label) for value, label in Role.choices if value in names or obj.is_superuser)

    @admin.display(description=_("set up"), boolean=True, ordering="has_authenticator")
    def enrolled(self, obj: StaffSecondFactor) -> bool:
        return obj.has_authenticator

    @admin.display(description=_("last code"), ordering="authenticator_used_at")
    def last_used_at(self, obj: StaffSecondFactor):
        return obj.authenticator_used_at

    @admin.display(description=_("must use it"), boolean=True)
    def must_use(self, obj: StaffSecondFactor) -> bool:
        names = {group.name for group in obj.groups.all()}
        return obj.is_superuser or bool(names & set(second_factor.REQUIRED_ROLES))

    @admin.action(description=_("Reset two-factor authentication (lost phone)"), permissions=["change"])
    def reset(self, request: HttpRequest, queryset: QuerySet[StaffSecondFactor]) -> None:
        done = 0
        for account in queryset:
            if second_factor.reset_second_factor(account):
                self.log_change(request, account, "Two-factor authentication reset")
                done += 1
        self.message_user(
            request,
            ngettext(
                "Two-factor authentication reset for %d account: it sets it up again at the next login.",
                "Two-factor authentication reset for %d accounts: they set it up again at the next login.",
                done,
            )
            % done,
        )


@admin.register(CustomerDataAccess)
class CustomerDataAccessAdmin(admin.ModelAdmin):
    """Who viewed or exported which customer's data. Read-only: nobody edits or removes the log here."""

    list_display = ["at", "username", "action", "subject_type", "subject_id", "customer_id", "path"]
    list_filter = ["action", "subject_type"]
    search_fields = ["=username", "=customer_id", "=subject_id"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in CustomerDataAccess._meta.fields]
    list_select_related = False
    show_full_result_count = False  # the log grows without bound: no COUNT(*) over all of it

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class WebhookSubscriptionForm(forms.ModelForm):
    """The URL is checked as deliveries check it (https, no address inside our network); the
    events are chosen from the public names."""

    url = forms.URLField(
        label=_("URL"), max_length=500, assume_scheme="https", help_text=_("Where the events are posted (https://…).")
    )
    events = forms.MultipleChoiceField(
        label=_("events"), choices=webhooks.public_event_choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookSubscription
        fields = ["name", "url", "events", "secret", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.initial.setdefault("secret", secrets.token_urlsafe(32))

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            webhooks.check_url(url, resolve=False)
        except webhooks.TargetRefused as exc:
            raise forms.ValidationError(str(exc)) from None
        return url

    def clean_secret(self) -> str:
        secret = self.cleaned_data["secret"].strip()
        if len(secret) < 16:
            raise forms.ValidationError(_("Use a secret of at least 16 characters."))
        return secret


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = WebhookSubscriptionForm
    list_display = ["name", "url", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "url"]


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ["at", "status_code", "duration_ms", "response_excerpt", "error"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """The delivery log: each event per subscription with its attempts; failed ones can be sent
    again (same delivery id and sequence number, so a receiver that has it drops it)."""

    list_display = [
        "id",
        "event",
        "subscription",
        "order_id",
        "sequence",
        "status",
        "attempts",
        "last_status_code",
        "created_at",
    ]
    list_filter = ["status", "event", "subscription"]
    search_fields = ["delivery_id", "order_id", "event"]
    readonly_fields = [f.name for f in WebhookDelivery._meta.fields]
    inlines = [WebhookAttemptInline]
    actions = ["replay"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.action(description=_("Send the selected deliveries again"), permissions=["change"])
    def replay(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        sent, refused = 0, 0
        for delivery in queryset:
            try:
                webhooks.replay(delivery)
                sent += 1
            except webhooks.WebhookError:
                refused += 1
        if sent:
            self.message_user(request, ngettext("%d delivery sent again.", "%d deliveries sent again.", sent) % sent)
        if refused:
            self.message_user(
                request,
                ngettext(
                    "%d delivery is still on its way and was not sent again.",
                    "%d deliveries are still on their way and were not sent again.",
                    refused,
                )
                % refused,
                messages.WARNING,
            )


@admin.register(PrivacyAuditEntry)
class PrivacyAuditEntryAdmin(admin.ModelAdmin):
    """What GDPR erasures and the retention job removed. Read-only, like the access log."""

    list_display = ["at", "action", "customer_id", "username", "removed"]
    list_filter = ["action"]
    search_fields = ["=customer_id", "=username"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in PrivacyAuditEntry._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
