"""RMA number counter: one row per year, locked ``SELECT ... FOR UPDATE`` in the creating
transaction (as billing's invoice counter), so RMA numbers are unique and a rolled-back request
gives its number back."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RmaCounter(models.Model):
    year = models.PositiveIntegerField(_("year"), unique=True)
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("RMA number counter")
        verbose_name_plural = _("RMA number counters")
        ordering = ["year"]

    def __str__(self) -> str:
        return f"RMA-{self.year}: {self.last}"
