"""A consumer's declaration of withdrawal from the contract (§ 355 BGB), made with the portal's
withdrawal function (§ 356a BGB: "Vertrag widerrufen", then "Widerruf bestätigen").

The row is the declaration as the customer confirmed it, with the moment we received it: it is
written once, by ``returns.services.withdrawals.declare_withdrawal``, together with what it
caused (units cancelled, the return request for shipped units, the refund), and never changed.
The database refuses an UPDATE or DELETE (a trigger, see the migrations) except in erasure mode
(``oms.privacy.erasure_mode``: on PostgreSQL the transaction-local ``ERASURE_SETTING``, on SQLite
a row only the erasure's transaction sees): the GDPR erasure pseudonymises the name and e-mail,
and the retention job deletes the row when its retention period has ended. SQLite refuses the
UPDATE only (Django empties its tables with DELETE); the model refuses both.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The transaction-local PostgreSQL setting under which erasure and retention may touch the row.
ERASURE_SETTING = "oms.erasure"


class ImmutableRowError(Exception):
    """A declaration of withdrawal cannot be changed or deleted."""


class Withdrawal(models.Model):
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="withdrawals"
    )
    declared_at = models.DateTimeField(_("declared at"), default=timezone.now, editable=False)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail"), max_length=254, blank=True)
    language = models.CharField(_("language"), max_length=10, default="de")
    whole_order = models.BooleanField(_("whole order"), default=True)
    # [{"line_id", "sku", "name", "quantity"}]: what the declaration covers, as the customer saw it.
    items = models.JSONField(_("items"), default=list)
    text = models.TextField(_("declaration"), help_text=_("The declaration as the customer confirmed it."))
    # What it caused: {order line id: units} cancelled before shipping, and the return request for
    # the units already shipped (on their way or delivered).
    cancelled = models.JSONField(_("cancelled units"), default=dict, blank=True)
    returned = models.JSONField(_("units to come back"), default=dict, blank=True)
    return_request = models.ForeignKey(
        "returns.ReturnRequest",
        verbose_name=_("return request"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="withdrawals",
    )
    refunded = models.DecimalField(_("refunded at once"), max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    case_id = models.BigIntegerField(_("support case"), null=True, blank=True)

    class Meta:
        verbose_name = _("withdrawal")
        verbose_name_plural = _("withdrawals")
        ordering = ["-declared_at", "-pk"]
        indexes = [models.Index(fields=["order"], name="returns_withdrawal_order_idx")]

    def __str__(self) -> str:
        return f"{self.order_id} @ {self.declared_at:%Y-%m-%d %H:%M:%S}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ImmutableRowError("A declaration of withdrawal is never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ImmutableRowError("A declaration of withdrawal is deleted only when its retention period ends.")

    save.alters_data = True  # type: ignore[attr-defined]
    delete.alters_data = True  # type: ignore[attr-defined]
