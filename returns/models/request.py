"""Return requests (RMA): what a customer sends back from one order, why, and where it stands.

Lifecycle (``ReturnState``)::

    requested ─approve─> approved ─receive─> received ─inspect─> inspected ─refund─> refunded
        │                   │                                        └─exchange─> exchanged
        └─reject─> rejected └─cancel─> cancelled   (requested ─cancel─> cancelled too)
                                                         inspected ─decline─> rejected (nothing accepted)

Transitions only set fields of this row; ``returns.services`` lock it, check ``can_proceed``, call
the transition, save, write the order's timeline and a ``ReturnEvent``, and publish events after
commit. The state is protected and concurrent transitions are refused (``ConcurrentTransition``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition


class ReturnState(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    RECEIVED = "received", _("Received")
    INSPECTED = "inspected", _("Inspected")
    REFUNDED = "refunded", _("Refunded")
    EXCHANGED = "exchanged", _("Exchanged")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


S = ReturnState
CLOSED_STATES = frozenset({S.REFUNDED, S.EXCHANGED, S.REJECTED, S.CANCELLED})
OPEN_STATES = frozenset(set(S) - CLOSED_STATES)


class ReturnReason(models.TextChoices):
    DAMAGED = "damaged", _("Damaged")
    WRONG_ITEM = "wrong_item", _("Wrong item")
    DOES_NOT_FIT = "does_not_fit", _("Does not fit")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    CHANGED_MIND = "changed_mind", _("Changed my mind")
    ARRIVED_TOO_LATE = "arrived_too_late", _("Arrived too late")
    OTHER = "other", _("Other")
    WITHDRAWAL = "withdrawal", _("Withdrawal from the contract")


class ReturnRequest(ConcurrentTransitionMixin, models.Model):
    """One RMA against one order. ``reason_text`` is required for ``ReturnReason.OTHER``;
    ``window_override_reason`` records why support accepted a request outside the window."""

    number = models.CharField(_("RMA number"), max_length=20, unique=True, help_text=_("e.g. RMA-2026-000001"))
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="return_requests"
    )
    state = FSMField(_("state"), max_length=20, choices=ReturnState.choices, default=S.REQUESTED, protected=True)
    reason = models.CharField(_("reason"), max_length=20, choices=ReturnReason.choices)
    reason_text = models.CharField(_("reason (own words)"), max_length=500, blank=True)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    window_ends_on = models.DateField(_("return window ends"), null=True, blank=True)
    window_override_reason = models.CharField(_("window override reason"), max_length=500, blank=True)
    auto_approved = models.BooleanField(_("approved automatically"), default=False)
    decision_reason = models.CharField(_("decision reason"), max_length=500, blank=True)
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
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    inspected_at = models.DateTimeField(_("inspected at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    tracking_number = models.CharField(
        _("return tracking number"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("The tracking number of the return label."),
    )
    resolution = models.CharField(
        _("resolution"),
        max_length=20,
        choices=[("refund", _("Refund")), ("exchange", _("Exchange"))],
        default="refund",
        help_text=_("What the accepted units become once inspected: money back, or replacement items."),
    )
    exchange_items = models.JSONField(
        _("replacement items"), default=dict, blank=True, help_text=_("SKUs and units sent free of charge.")
    )
    exchange_order = models.ForeignKey(
        "orders.Order",
        verbose_name=_("replacement order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    return_parcel = models.OneToOneField(
        "fulfillment.ReturnParcel",
        verbose_name=_("return parcel"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="return_request",
        help_text=_("The return label booked when the request was approved, and its tracking."),
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        verbose_name=_("receiving warehouse"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("return request")
        verbose_name_plural = _("return requests")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["state", "created_at"], name="returns_request_state_idx"),
            models.Index(fields=["order"], name="returns_request_order_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason="other") | ~Q(reason_text=""), name="returns_request_other_needs_text"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="returns_request_value_gte_0"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @transition(field=state, source=S.REQUESTED, target=S.APPROVED)
    def approve(self, *, reason: str = "", auto: bool = False) -> None:
        self.approved_at = timezone.now()
        self.decision_reason = reason
        self.auto_approved = auto

    @transition(field=state, source=S.REQUESTED, target=S.REJECTED)
    def reject(self, *, reason: str) -> None:
        self.decision_reason = reason
        self.closed_at = timezone.now()

    @transition(field=state, source=[S.REQUESTED, S.APPROVED], target=S.CANCELLED)
    def cancel(self, *, reason: str = "") -> None:
        self.decision_reason = reason
        self.closed_at = timezone.now()

    @transition(field=state, source=S.APPROVED, target=S.RECEIVED)
    def receive(self) -> None:
        self.received_at = timezone.now()

    @transition(field=state, source=S.RECEIVED, target=S.INSPECTED)
    def inspect(self) -> None:
        self.inspected_at = timezone.now()

    @transition(field=state, source=S.INSPECTED, target=S.REFUNDED)
    def refund(self) -> None:
        self.closed_at = timezone.now()

    @transition(field=state, source=S.INSPECTED, target=S.EXCHANGED)
    def exchange(self) -> None:
        self.closed_at = timezone.now()

    @transition(field=state, source=S.INSPECTED, target=S.REJECTED)
    def decline(self, *, reason: str) -> None:
        """Inspection accepted nothing (every unit damaged or missing): nothing to refund."""
        self.decision_reason = reason
        self.closed_at = timezone.now()

    approve.alters_data = True  # type: ignore[attr-defined]
    reject.alters_data = True  # type: ignore[attr-defined]
    cancel.alters_data = True  # type: ignore[attr-defined]
    receive.alters_data = True  # type: ignore[attr-defined]
    inspect.alters_data = True  # type: ignore[attr-defined]
    refund.alters_data = True  # type: ignore[attr-defined]
    exchange.alters_data = True  # type: ignore[attr-defined]
    decline.alters_data = True  # type: ignore[attr-defined]


class ReturnLine(models.Model):
    """Units of one order line on a return request. ``quantity`` is what was requested (and, once
    approved, what may come back); ``quantity_received`` never exceeds it. Each received unit is
    restocked (resellable) or damaged (booked in as blocked, later perhaps scrapped); units that
    never came are ``quantity_missing``: received + missing <= quantity."""

    request = models.ForeignKey(
        ReturnRequest, verbose_name=_("return request"), on_delete=models.CASCADE, related_name="lines"
    )
    order_line = models.ForeignKey(
        "orders.OrderLine", verbose_name=_("order line"), on_delete=models.PROTECT, related_name="return_lines"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    quantity_received = models.PositiveIntegerField(_("received"), default=0)
    quantity_restocked = models.PositiveIntegerField(_("restocked"), default=0)
    quantity_damaged = models.PositiveIntegerField(_("damaged"), default=0)
    quantity_missing = models.PositiveIntegerField(_("missing"), default=0)
    quantity_scrapped = models.PositiveIntegerField(_("scrapped"), default=0)

    class Meta:
        verbose_name = _("return line")
        verbose_name_plural = _("return lines")
        ordering = ["request", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "order_line"], name="returns_line_request_order_line_uniq"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="returns_line_quantity_gte_1"),
            models.CheckConstraint(
                condition=Q(quantity_received__lte=F("quantity")), name="returns_line_received_lte_quantity"
            ),
            models.CheckConstraint(
                condition=Q(quantity_received__gte=F("quantity_restocked") + F("quantity_damaged")),
                name="returns_line_inspected_lte_received",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=F("quantity_received") + F("quantity_missing")),
                name="returns_line_received_missing_lte_quantity",
            ),
            models.CheckConstraint(
                condition=Q(quantity_damaged__gte=F("quantity_scrapped")), name="returns_line_scrapped_lte_damaged"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.order_line_id}"

    @property
    def quantity_open(self) -> int:
        """Units still expected in the parcel (neither received nor recorded missing)."""
        return self.quantity - self.quantity_received - self.quantity_missing


class ReturnEvent(models.Model):
    """Audit row of one transition of a return request (who, when, from, to, why)."""

    request = models.ForeignKey(
        ReturnRequest, verbose_name=_("return request"), on_delete=models.CASCADE, related_name="events"
    )
    from_state = models.CharField(_("from"), max_length=20, blank=True)
    to_state = models.CharField(_("to"), max_length=20)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("actor"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("return event")
        verbose_name_plural = _("return events")
        ordering = ["request", "created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.from_state} → {self.to_state}"
