"""Package types: the boxes and mailers the warehouse packs into."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PackageType(models.Model):
    """A box with inner dimensions and its own weight (``tare_grams``), which counts towards the
    parcel's weight."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    length_mm = models.PositiveIntegerField(_("length (mm)"))
    width_mm = models.PositiveIntegerField(_("width (mm)"))
    height_mm = models.PositiveIntegerField(_("height (mm)"))
    tare_grams = models.PositiveIntegerField(_("tare (g)"), default=0)
    max_weight_grams = models.PositiveIntegerField(_("maximum weight (g)"), null=True, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("package type")
        verbose_name_plural = _("package types")
        ordering = ["length_mm", "width_mm", "height_mm", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(length_mm__gte=1, width_mm__gte=1, height_mm__gte=1),
                name="fulfillment_packagetype_dimensions_gte_1",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.length_mm}x{self.width_mm}x{self.height_mm} mm)"

    @property
    def volume_mm3(self) -> int:
        return self.length_mm * self.width_mm * self.height_mm
