"""Models of the project package: the outbox of side effects that leave the process."""

from __future__ import annotations

import uuid

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
