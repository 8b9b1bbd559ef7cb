"""CSV order imports: one row per uploaded file, with the progress the import page polls."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OrderImportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class OrderImport(models.Model):
    """An uploaded CSV of orders (one row per order line) and how far its import got.

    ``errors`` is a list of ``{"row": int, "field": str, "message": str}``; a file with any
    error imports nothing (status ``failed``). ``total`` counts data rows, ``processed`` the
    rows handled so far, ``created`` the orders placed and ``existing`` those already there
    (same channel and external id: a re-upload creates nothing twice).

    A run renews ``heartbeat_at`` while it works and counts itself in ``attempts`` (a run that
    hands a long file over to the next one gives its attempt back); an import whose heartbeat
    stopped (its worker died) is resumed by the sweep where it stopped, and marked failed after
    ``ORDER_IMPORT_MAX_ATTEMPTS`` interrupted runs (see ``orders.services.imports``).
    """

    file = models.FileField(_("file"), upload_to="imports/orders/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    channel = models.ForeignKey(
        "orders.Channel", verbose_name=_("channel"), on_delete=models.PROTECT, related_name="order_imports"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=OrderImportStatus.choices, default=OrderImportStatus.PENDING
    )
    total = models.PositiveIntegerField(_("rows"), default=0)
    processed = models.PositiveIntegerField(_("rows processed"), default=0)
    created = models.PositiveIntegerField(_("orders created"), default=0)
    existing = models.PositiveIntegerField(_("orders already there"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    heartbeat_at = models.DateTimeField(_("last sign of life"), default=timezone.now)

    class Meta:
        verbose_name = _("order import")
        verbose_name_plural = _("order imports")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["heartbeat_at"],
                condition=models.Q(status__in=["pending", "running"]),
                name="orderimport_unfinished",
            )
        ]

    def __str__(self) -> str:
        return f"{self.original_name or self.file.name} ({self.get_status_display()})"

    @property
    def is_finished(self) -> bool:
        return self.status in {OrderImportStatus.DONE, OrderImportStatus.FAILED}

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.processed * 100 // self.total)
