"""Claims without a return: a parcel lost or damaged in transit, or an item missing from a
delivered parcel. Support records the claim against the shipment and resolves it for the
customer (a free re-shipment: a linked replacement order at zero price; or a refund through
billing's credit note and refund), and tracks the claim against the carrier::

    open ─file─> claimed ─paid─> paid
                    └─reject─> rejected

Transitions only set fields; ``returns.services.claims`` locks, checks, saves and writes the
order's timeline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition


class ClaimKind(models.TextChoices):
    LOST = "lost", _("Parcel lost in transit")
    DAMAGED = "damaged", _("Damaged in transit")
    ITEM_MISSING = "item_missing", _("Item missing from a delivered parcel")


class CarrierClaimState(models.TextChoices):
    OPEN = "open", _("Open")
    CLAIMED = "claimed", _("Claimed from the carrier")
    PAID = "paid", _("Paid by the carrier")
    REJECTED = "rejected", _("Rejected by the carrier")


class ClaimResolution(models.TextChoices):
    NONE = "", _("Not resolved yet")
    RESHIPMENT = "reshipment", _("Free re-shipment")
    REFUND = "refund", _("Refund")


C = CarrierClaimState


class ShipmentClaim(ConcurrentTransitionMixin, models.Model):
    number = models.CharField(_("claim number"), max_length=20, unique=True, help_text=_("e.g. CLM-000001"))
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="shipment_claims"
    )
    shipment = models.ForeignKey(
        "fulfillment.Shipment", verbose_name=_("shipment"), on_delete=models.PROTECT, related_name="claims"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ClaimKind.choices)
    description = models.TextField(_("description"), max_length=2000, blank=True)
    carrier_state = FSMField(
        _("claim against the carrier"), max_length=20, choices=C.choices, default=C.OPEN, protected=True
    )
    carrier_reference = models.CharField(_("carrier's claim reference"), max_length=100, blank=True)
    carrier_amount = models.DecimalField(
        _("paid by the carrier"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    carrier_note = models.CharField(_("carrier's answer"), max_length=500, blank=True)
    resolution = models.CharField(
        _("resolution"), max_length=20, choices=ClaimResolution.choices, blank=True, default=ClaimResolution.NONE
    )
    # The free re-shipment: an order of its own, at zero price, allocated and shipped like any.
    replacement_order = models.OneToOneField(
        "orders.Order",
        verbose_name=_("replacement order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="replaces_claim",
    )
    refunded_amount = models.DecimalField(_("refunded"), max_digits=12, decimal_places=2, default=0)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2, default=0)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by_label = models.CharField(_("created by"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    carrier_updated_at = models.DateTimeField(_("carrier claim updated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("shipment claim")
        verbose_name_plural = _("shipment claims")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["carrier_state", "created_at"], name="returns_claim_state_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(refunded_amount__gte=0), name="returns_claim_refunded_gte_0"),
            models.CheckConstraint(
                condition=Q(carrier_amount__isnull=True) | Q(carrier_amount__gte=0),
                name="returns_claim_carrier_amount_gte_0",
            ),
            models.CheckConstraint(
                condition=~Q(resolution="reshipment") | Q(replacement_order__isnull=False),
                name="returns_claim_reshipment_has_order",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_resolved(self) -> bool:
        return bool(self.resolution)

    @transition(field=carrier_state, source=C.OPEN, target=C.CLAIMED)
    def file(self, *, reference: str) -> None:
        self.carrier_reference = reference
        self.carrier_updated_at = timezone.now()

    @transition(field=carrier_state, source=C.CLAIMED, target=C.PAID)
    def paid(self, *, amount: object, note: str = "") -> None:
        self.carrier_amount = amount
        self.carrier_note = note
        self.carrier_updated_at = timezone.now()

    @transition(field=carrier_state, source=C.CLAIMED, target=C.REJECTED)
    def reject(self, *, note: str) -> None:
        self.carrier_note = note
        self.carrier_updated_at = timezone.now()

    file.alters_data = True  # type: ignore[attr-defined]
    paid.alters_data = True  # type: ignore[attr-defined]
    reject.alters_data = True  # type: ignore[attr-defined]


class ClaimLine(models.Model):
    """Units of one order line the claim is about (lost, damaged or missing)."""

    claim = models.ForeignKey(ShipmentClaim, verbose_name=_("claim"), on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        "orders.OrderLine", verbose_name=_("order line"), on_delete=models.PROTECT, related_name="claim_lines"
    )
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("claim line")
        verbose_name_plural = _("claim lines")
        ordering = ["claim", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["claim", "order_line"], name="returns_claimline_claim_line_uniq"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="returns_claimline_quantity_gte_1"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.order_line_id}"
