"""What the warehouse found in a return parcel, unit by unit (receiving and inspection)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Condition(models.TextChoices):
    RESELLABLE = "resellable", _("Resellable")
    DAMAGED = "damaged", _("Damaged")
    MISSING = "missing", _("Missing")
    SCRAPPED = "scrapped", _("Scrapped")


class ReturnUnit(models.Model):
    """One booking on a return line: ``quantity`` units found in ``condition`` (resellable units
    into ``bin``; damaged ones blocked; missing ones not booked; damaged ones scrapped later),
    with the stock movement it wrote and who did it."""

    request = models.ForeignKey(
        "returns.ReturnRequest", verbose_name=_("return request"), on_delete=models.CASCADE, related_name="units"
    )
    line = models.ForeignKey(
        "returns.ReturnLine", verbose_name=_("return line"), on_delete=models.CASCADE, related_name="units"
    )
    condition = models.CharField(_("condition"), max_length=20, choices=Condition.choices)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    code = models.CharField(_("scanned code"), max_length=64, blank=True)
    bin = models.ForeignKey(
        "inventory.BinLocation",
        verbose_name=_("bin"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    movement = models.ForeignKey(
        "inventory.StockMovement",
        verbose_name=_("stock movement"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=255, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("returned unit")
        verbose_name_plural = _("returned units")
        ordering = ["request", "created_at", "pk"]
        constraints = [models.CheckConstraint(condition=Q(quantity__gte=1), name="returns_unit_quantity_gte_1")]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.condition}"
