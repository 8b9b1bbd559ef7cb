"""Customers: who orders. Identified by e-mail (stored lower-case, unique), so every channel that
sends the same address finds the same customer."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Customer(models.Model):
    email = models.EmailField(_("e-mail"), max_length=254, unique=True)
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    language = models.CharField(_("language"), max_length=10, default="de")
    company = models.CharField(_("company"), max_length=200, blank=True)
    vat_id = models.CharField(_("VAT ID"), max_length=30, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["name"], name="orders_customer_name_idx")]
        permissions = [
            ("export_personal_data", _("Can export a customer's personal data (GDPR)")),
            ("erase_personal_data", _("Can erase a customer's personal data (GDPR)")),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"

    @property
    def is_business(self) -> bool:
        return bool(self.company or self.vat_id)
