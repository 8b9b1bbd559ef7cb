"""Number counters: one row per series and year, locked ``SELECT ... FOR UPDATE`` in the issuing
transaction, so invoice and credit-note numbers are unique and gapless (a rolled-back issue
rolls its increment back with it)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class NumberSeries(models.TextChoices):
    """A series is its prefix: ``RE-2026-000001`` (invoice), ``GS-2026-000001`` (credit note)."""

    INVOICE = "RE", _("Invoices")
    CREDIT_NOTE = "GS", _("Credit notes")


class NumberCounter(models.Model):
    series = models.CharField(_("series"), max_length=4, choices=NumberSeries.choices)
    year = models.PositiveIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("number counter")
        verbose_name_plural = _("number counters")
        ordering = ["series", "year"]
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="billing_counter_series_year_uniq")]

    def __str__(self) -> str:
        return f"{self.series}-{self.year}: {self.last}"
