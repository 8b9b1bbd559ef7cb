"""Manifests: the end-of-day handover list of one carrier's parcels leaving one warehouse."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Manifest(models.Model):
    """Closed once per carrier, warehouse and business day; its shipments point to it
    (``Shipment.manifest``). The PDF is a shared document, the CSV is built from the rows."""

    carrier = models.ForeignKey(
        "fulfillment.Carrier", verbose_name=_("carrier"), on_delete=models.PROTECT, related_name="manifests"
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse", verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    business_date = models.DateField(_("date"))
    document = models.ForeignKey(
        "oms.Document", verbose_name=_("PDF"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("manifest")
        verbose_name_plural = _("manifests")
        ordering = ["-business_date", "carrier"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "warehouse", "business_date"], name="fulfillment_manifest_carrier_day_uniq"
            )
        ]

    def __str__(self) -> str:
        return f"{self.carrier_id} {self.business_date:%Y-%m-%d}"
