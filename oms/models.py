"""Models of the project package: the outbox, API keys, customer mail and documents, saved list views."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class OutboxMessage(models.Model):
    """A side effect (mail, webhook, PDF) recorded in the same transaction as the change that caused
    it, delivered by a Celery task after commit and re-sent by the periodic sweep until it succeeds.

    ``key`` travels with every delivery (as ``Idempotency-Key`` header, mail Message-ID), so a
    receiver that sees a message twice can tell.
    """

    key = models.UUIDField(_("idempotency key"), default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=50, help_text=_("Handler that delivers it, e.g. 'mail'."))
    payload = models.JSONField(_("payload"), default=dict)
    status = models.CharField(_("status"), max_length=20, choices=OutboxStatus.choices, default=OutboxStatus.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_pending_due_idx",
                condition=models.Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk} ({self.status})"


class ApiKey(models.Model):
    """A sales channel's or ERP's credential for the JSON API. Only a hash of the key is stored;
    the key itself is shown once, when created (``manage.py create_api_key``).

    ``channel_code`` names the channel the key acts for; ``orders`` resolves it, so this table
    does not depend on any app.
    """

    name = models.CharField(_("name"), max_length=100)
    channel_code = models.CharField(_("channel code"), max_length=50, db_index=True)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True, help_text=_("Shown to identify the key."))
    hashed_key = models.CharField(_("hashed key"), max_length=128)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    # DRF's IsAuthenticated looks at request.user; the key itself is request.auth.


class DocumentStatus(models.TextChoices):
    PENDING = "pending", _("Being rendered")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class Document(models.Model):
    """A rendered PDF (label, delivery note, invoice, legal text …), one row per kind + subject +
    version. ``subject`` is an opaque reference the kind's app resolves (an order id, an invoice
    id); ``oms`` does not know what it points to.

    The file lives in ``MEDIA_ROOT`` under its SHA-256 (``documents/ab/ab…ef.pdf``), so the same
    bytes are stored once. It is served by ``oms.views_documents`` to staff whose role the kind
    allows, never by a public media URL.
    """

    kind = models.CharField(_("kind"), max_length=50)
    subject = models.CharField(_("subject"), max_length=100, help_text=_("What the document is about, e.g. an id."))
    version = models.PositiveIntegerField(_("version"), default=1)
    status = models.CharField(
        _("status"), max_length=20, choices=DocumentStatus.choices, default=DocumentStatus.PENDING
    )
    file = models.FileField(_("file"), max_length=200, blank=True)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    rendered_at = models.DateTimeField(_("rendered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "subject", "version"], name="oms_document_once_per_version")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.subject} v{self.version} ({self.status})"


class MailStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class CustomerMail(models.Model):
    """One e-mail to a customer: what was asked for (kind, subject, recipient, language) when it
    was enqueued, and what went out (subject line, text, HTML, attachments) once it was sent.

    ``subject_type`` + ``subject_id`` name what the mail is about (``"order"``, an order id); the
    app that owns that type renders the mail's context and records the sending on its timeline
    (``oms.mail.register_subject_type``). Delivery goes through the outbox (``outbox``).
    """

    kind = models.CharField(_("kind"), max_length=50)
    subject_type = models.CharField(_("about"), max_length=30)
    subject_id = models.CharField(_("about id"), max_length=100)
    to = models.EmailField(_("to"), max_length=254)
    language = models.CharField(_("language"), max_length=10)
    status = models.CharField(_("status"), max_length=20, choices=MailStatus.choices, default=MailStatus.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    outbox = models.ForeignKey(
        OutboxMessage, verbose_name=_("outbox message"), on_delete=models.SET_NULL, null=True, blank=True
    )
    resend_of = models.ForeignKey(
        "self", verbose_name=_("resend of"), on_delete=models.SET_NULL, null=True, blank=True, related_name="resends"
    )
    requested_by = models.CharField(_("requested by"), max_length=100, default="system")
    subject_line = models.CharField(_("subject line"), max_length=300, blank=True)
    body_text = models.TextField(_("text"), blank=True)
    body_html = models.TextField(_("HTML"), blank=True)
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # What this mail tells once (e.g. "shipment-exception:41:customs"): a second one is not enqueued.
    once_key = models.CharField(_("sent once for"), max_length=200, null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("customer mail")
        verbose_name_plural = _("customer mails")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["subject_type", "subject_id"], name="oms_mail_subject_idx"),
            models.Index(fields=["status", "-created_at"], name="oms_mail_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.to} ({self.status})"

    @property
    def is_retrying(self) -> bool:
        """Still pending after a failed attempt: the outbox tries again with backoff."""
        return self.status == MailStatus.PENDING and self.attempts > 0


class StaffSecondFactor(User):
    """Staff accounts as the admin sees their second factor: enrolled or not, and the reset of a
    lost device (``oms.second_factor``). A proxy: no table of its own."""

    class Meta:
        proxy = True
        verbose_name = _("staff second factor")
        verbose_name_plural = _("staff second factors")


class AccessAction(models.TextChoices):
    VIEWED = "viewed", _("viewed")
    EXPORTED = "exported", _("exported")


class CustomerDataAccess(models.Model):
    """Who looked at or took out which customer's personal data, and when (``oms.access_log``).

    One row per page or download, written with one insert. ``subject_type`` + ``subject_id`` name
    what was shown (an order number, a case, a mail, a document) and ``customer_id`` whose data it
    holds; like ``Document.subject`` they are opaque here, as ``oms`` imports no app. The user's
    name is copied, so the log outlives a deleted account. Shown to admins, read-only.
    """

    at = models.DateTimeField(_("at"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    username = models.CharField(_("username"), max_length=150)
    action = models.CharField(_("action"), max_length=20, choices=AccessAction.choices)
    subject_type = models.CharField(_("what"), max_length=30)
    subject_id = models.CharField(_("which"), max_length=100)
    customer_id = models.PositiveBigIntegerField(_("customer id"), null=True, blank=True)
    path = models.CharField(_("page"), max_length=300)

    class Meta:
        verbose_name = _("customer data access")
        verbose_name_plural = _("customer data accesses")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["customer_id", "-at"], name="oms_access_customer_idx"),
            models.Index(fields=["-at"], name="oms_access_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.username} {self.action} {self.subject_type} {self.subject_id}"


class PrivacyAuditEntry(models.Model):
    """What a GDPR erasure or the retention job removed (``oms.privacy``, ``oms.retention``).

    One row per erasure (the customer's id, who, and per kind of record how many were erased) and
    per retention run (per kind of record how many expired and were removed, and the cut-off
    dates used). It never holds the person's data itself. Shown to admins, read-only.
    """

    class Action(models.TextChoices):
        ERASURE = "erasure", _("erasure")
        RETENTION = "retention", _("retention")

    at = models.DateTimeField(_("at"), default=timezone.now)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    customer_id = models.PositiveBigIntegerField(_("customer id"), null=True, blank=True)
    username = models.CharField(_("username"), max_length=150, blank=True)
    removed = models.JSONField(_("removed"), default=dict, blank=True)
    cutoffs = models.JSONField(_("cut-off dates"), default=dict, blank=True)

    class Meta:
        verbose_name = _("privacy audit entry")
        verbose_name_plural = _("privacy audit log")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.customer_id or ''} {self.at:%Y-%m-%d %H:%M}"


class SavedView(models.Model):
    """A list's filters and sort as one user saved them under a name ("my held Amazon orders"),
    one click away in the list's header (``oms.lists``). ``query`` is the list's own query string,
    normalised by the list when saved; ``list_name`` names the list (``ListDefinition.name``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="saved_views"
    )
    list_name = models.CharField(_("list"), max_length=50)
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["list_name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "list_name", "name"], name="oms_savedview_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.list_name}: {self.name}"


class WebhookSubscription(models.Model):
    """A system outside (an ERP, a shop) that wants to hear of some public events (``oms.webhooks``):
    where to POST them, and the secret both sides use to sign and verify each delivery."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500, help_text=_("Where the events are posted (https://…)."))
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        help_text=_("Shared with the receiver, which checks the X-OMS-Signature header with it."),
    )
    events = models.JSONField(_("events"), default=list, help_text=_("Public event names, e.g. order.created."))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class WebhookDelivery(models.Model):
    """One event for one subscription: the body as it is signed and sent (the same on every
    attempt), its id for the receiver's de-duplication and its sequence number (per subscription
    and order) for the receiver's ordering, and how its attempts went."""

    subscription = models.ForeignKey(
        WebhookSubscription, verbose_name=_("subscription"), on_delete=models.CASCADE, related_name="deliveries"
    )
    delivery_id = models.UUIDField(_("delivery id"), default=uuid.uuid4, unique=True, editable=False)
    event = models.CharField(_("event"), max_length=50)
    internal_event = models.CharField(_("internal event"), max_length=50)
    order_id = models.BigIntegerField(_("order id"), null=True, blank=True)
    sequence = models.PositiveBigIntegerField(_("sequence"))
    body = models.TextField(_("body"))
    status = models.CharField(
        _("status"), max_length=20, choices=WebhookDeliveryStatus.choices, default=WebhookDeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["subscription", "-created_at"], name="oms_webhook_sub_idx"),
            models.Index(fields=["status", "-created_at"], name="oms_webhook_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event} #{self.sequence} → {self.subscription}"


class WebhookAttempt(models.Model):
    """One POST of a delivery: what the receiver answered (status, time, the start of its body)
    or why there was no answer."""

    delivery = models.ForeignKey(
        WebhookDelivery, verbose_name=_("delivery"), on_delete=models.CASCADE, related_name="attempt_log"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    duration_ms = models.PositiveIntegerField(_("response time (ms)"), default=0)
    response_excerpt = models.CharField(_("response"), max_length=500, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["delivery", "at", "id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status_code or self.error}"


class WebhookSequence(models.Model):
    """The last sequence number handed out per subscription and scope ("order:<id>", or "" for
    events about no order); taken with an upsert, so concurrent events never share a number."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=40)
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscription", "scope"], name="oms_webhook_sequence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} {self.scope}: {self.last}"
