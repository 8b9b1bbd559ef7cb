"""Payment transactions: append-only rows from which the order's money summary is derived."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TransactionKind(models.TextChoices):
    AUTHORIZATION = "authorization", _("Authorization")
    CAPTURE = "capture", _("Capture")
    REFUND = "refund", _("Refund")


class PaymentTransaction(models.Model):
    """One movement of money with a payment provider. Never edited or deleted: a correction is a
    new row (a refund). ``amount`` is positive; ``kind`` says its direction."""

    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="payment_transactions"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=TransactionKind.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3)
    provider = models.CharField(_("provider"), max_length=50, blank=True)
    provider_reference = models.CharField(_("provider reference"), max_length=255, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("payment transaction")
        verbose_name_plural = _("payment transactions")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="orders_payment_amount_gt_0"),
            # A provider event recorded twice (webhook retries) must not count twice.
            models.UniqueConstraint(
                fields=["provider", "provider_reference", "kind"],
                condition=~models.Q(provider_reference=""),
                name="orders_payment_provider_ref_uniq",
            ),
        ]
        indexes = [models.Index(fields=["order", "created_at"], name="orders_payment_order_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency}"

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if not self._state.adding:
            raise ValueError("PaymentTransaction rows are append-only")
        super().save(*args, **kwargs)

    save.alters_data = True  # type: ignore[attr-defined]
