"""Pick lists: one order's or a wave's lines in the order a picker walks the warehouse.

A pick list holds the shipments built for it (``Shipment.pick_list``) and a line per shipment
line, sorted by the bin's ``pick_sequence``. Its lifecycle::

    open ─start─> in_progress ─complete─> completed
    open / in_progress ─void─> voided   (order cancelled, shipment held, short pick re-planned)
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition

from oms.choices import choice_label


class PickListKind(models.TextChoices):
    SINGLE_ORDER = "single_order", _("Single order")
    WAVE = "wave", _("Wave")


class PickListState(models.TextChoices):
    OPEN = "open", _("Open")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    VOIDED = "voided", _("Voided")


P = PickListState
OPEN_PICK_LIST_STATES = [P.OPEN, P.IN_PROGRESS]


class PickList(ConcurrentTransitionMixin, models.Model):
    """``rule`` keeps the wave rule it was built by (carrier, cut-off, single-item orders only,
    up to how many orders) as JSON, so the board can say why these orders are together."""

    number = models.CharField(_("number"), max_length=30, unique=True)
    warehouse = models.ForeignKey(
        "inventory.Warehouse", verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=PickListKind.choices, default=PickListKind.WAVE)
    rule = models.JSONField(_("rule"), default=dict, blank=True)
    state = FSMField(_("state"), max_length=20, choices=PickListState.choices, default=P.OPEN, protected=True)
    picker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("picker"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    void_reason = models.CharField(_("void reason"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    voided_at = models.DateTimeField(_("voided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("pick list")
        verbose_name_plural = _("pick lists")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["warehouse", "state", "created_at"], name="fulfillment_picklist_board_idx")]

    def __str__(self) -> str:
        return self.number

    def get_state_display(self) -> str:
        return choice_label(PickListState, self.state)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_PICK_LIST_STATES

    @transition(field=state, source=P.OPEN, target=P.IN_PROGRESS)
    def start(self) -> None:
        self.started_at = timezone.now()

    @transition(field=state, source=[P.OPEN, P.IN_PROGRESS], target=P.COMPLETED)
    def complete(self) -> None:
        self.completed_at = timezone.now()

    @transition(field=state, source=OPEN_PICK_LIST_STATES, target=P.VOIDED)
    def void(self, reason: str = "") -> None:
        self.void_reason = reason
        self.voided_at = timezone.now()


for _transition in (PickList.start, PickList.complete, PickList.void):
    _transition.alters_data = True


class PickLine(models.Model):
    """Take ``quantity`` units of ``sku`` from ``bin`` for one shipment line. ``quantity_picked``
    counts scans; ``quantity_short`` is what the picker marked missing. ``sequence`` is the bin's
    pick sequence when the list was built, so the list keeps its walking order."""

    pick_list = models.ForeignKey(PickList, verbose_name=_("pick list"), on_delete=models.CASCADE, related_name="lines")
    shipment_line = models.ForeignKey(
        "fulfillment.ShipmentLine", verbose_name=_("shipment line"), on_delete=models.CASCADE, related_name="pick_lines"
    )
    bin = models.ForeignKey(
        "inventory.BinLocation",
        verbose_name=_("bin"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    product = models.ForeignKey(
        "inventory.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    sku = models.CharField(_("SKU"), max_length=64)
    sequence = models.PositiveIntegerField(_("sequence"), default=0)
    quantity = models.PositiveIntegerField(_("quantity"))
    quantity_picked = models.PositiveIntegerField(_("picked"), default=0)
    quantity_short = models.PositiveIntegerField(_("short"), default=0)
    picked_at = models.DateTimeField(_("picked at"), null=True, blank=True)
    picked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("picked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("pick line")
        verbose_name_plural = _("pick lines")
        ordering = ["pick_list", "sequence", "sku", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="fulfillment_pickline_quantity_gte_1"),
            models.CheckConstraint(
                condition=Q(quantity__gte=F("quantity_picked") + F("quantity_short")),
                name="fulfillment_pickline_picked_short_lte_quantity",
            ),
        ]
        indexes = [models.Index(fields=["shipment_line"], name="fulfillment_pickline_sline_idx")]

    def __str__(self) -> str:
        return f"{self.sku} x {self.quantity} @ {self.bin_id}"

    @property
    def quantity_open(self) -> int:
        return self.quantity - self.quantity_picked - self.quantity_short

    @property
    def is_done(self) -> bool:
        return self.quantity_open == 0
