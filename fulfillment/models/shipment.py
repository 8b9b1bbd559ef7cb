"""Shipments: what one warehouse sends for one order (an order split over warehouses, or shipped
in parts, has several), its lines, its packages and its lifecycle.

Lifecycle (``ShipmentState``)::

    planned ─start_picking─> picking ─pack─> packed ─label─> labelled ─ship─> shipped
                                                  <─void_label─┘                 │
    shipped / in_transit / out_for_delivery / exception ──> in_transit, out_for_delivery,
        delivered, exception, returned_to_sender (from tracking events)
    planned / picking / packed / labelled ─hold─> on_hold ─unhold─> planned (or packed)
    planned / picking / packed / labelled / on_hold ─cancel─> cancelled

Transitions only set fields of this row; ``fulfillment.services`` lock it, check ``can_proceed``,
call the transition, save, write the order's timeline and publish events after commit. The state
is protected and the model guards against concurrent transitions (a stale save raises
``ConcurrentTransition``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from oms.choices import choice_label


class ShipmentState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    PICKING = "picking", _("Picking")
    PACKED = "packed", _("Packed")
    LABELLED = "labelled", _("Labelled")
    SHIPPED = "shipped", _("Shipped")
    IN_TRANSIT = "in_transit", _("In transit")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    DELIVERED = "delivered", _("Delivered")
    EXCEPTION = "exception", _("Exception")
    RETURNED_TO_SENDER = "returned_to_sender", _("Returned to sender")
    ON_HOLD = "on_hold", _("On hold")
    CANCELLED = "cancelled", _("Cancelled")


class LabelState(models.TextChoices):
    NONE = "none", _("No label")
    REQUESTED = "requested", _("Requested")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")
    VOIDED = "voided", _("Voided")


S = ShipmentState
# Still in the warehouse: may be held or cancelled, and nothing has been consumed yet.
WAREHOUSE_STATES = [S.PLANNED, S.PICKING, S.PACKED, S.LABELLED]
# Handed to the carrier: tracking events move it between these and the final states.
CARRIER_STATES = [S.SHIPPED, S.IN_TRANSIT, S.OUT_FOR_DELIVERY, S.EXCEPTION]
FINAL_STATES = [S.DELIVERED, S.RETURNED_TO_SENDER, S.CANCELLED]


class Shipment(ConcurrentTransitionMixin, models.Model):
    reference = models.CharField(
        _("reference"),
        max_length=40,
        unique=True,
        help_text=_("Order number and a running number, e.g. 2026-000123-1."),
    )
    order = models.ForeignKey(
        "orders.Order", verbose_name=_("order"), on_delete=models.PROTECT, related_name="shipments"
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse", verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    carrier_service = models.ForeignKey(
        "fulfillment.CarrierService",
        verbose_name=_("carrier service"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="shipments",
    )
    pick_list = models.ForeignKey(
        "fulfillment.PickList",
        verbose_name=_("pick list"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="shipments",
        help_text=_("The pick list it is picked on now; empty while it waits in the queue."),
    )
    manifest = models.ForeignKey(
        "fulfillment.Manifest",
        verbose_name=_("manifest"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="shipments",
    )
    state = FSMField(_("state"), max_length=20, choices=ShipmentState.choices, default=S.PLANNED, protected=True)

    # Label and tracking. A tracking number, once assigned, belongs to this shipment only.
    tracking_number = models.CharField(_("tracking number"), max_length=60, blank=True)
    routing_code = models.CharField(_("routing code"), max_length=60, blank=True)
    label_state = models.CharField(_("label"), max_length=20, choices=LabelState.choices, default=LabelState.NONE)
    label_document = models.ForeignKey(
        "oms.Document", verbose_name=_("label"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    label_error = models.CharField(_("label error"), max_length=255, blank=True)
    weight_grams = models.PositiveIntegerField(_("weight (g)"), default=0, help_text=_("All packages, tare included."))

    # Holds, exceptions, cancellation.
    hold_reason = models.CharField(_("hold reason"), max_length=255, blank=True)
    state_before_hold = models.CharField(_("state before hold"), max_length=20, blank=True)
    exception_reason = models.CharField(_("exception reason"), max_length=255, blank=True)
    cancel_reason = models.CharField(_("cancellation reason"), max_length=255, blank=True)

    # Promise and ETA: the date promised to the customer, and the carrier's current estimate.
    promised_ship_date = models.DateField(_("promised ship date"), null=True, blank=True)
    promised_delivery_date = models.DateField(_("promised delivery date"), null=True, blank=True)
    expected_delivery_date = models.DateField(_("expected delivery date"), null=True, blank=True)

    # Who did what when: lead time per stage and per team.
    picking_started_at = models.DateTimeField(_("picking started at"), null=True, blank=True)
    picked_at = models.DateTimeField(_("picked at"), null=True, blank=True)
    picked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("picked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    packed_at = models.DateTimeField(_("packed at"), null=True, blank=True)
    packed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("packed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    labelled_at = models.DateTimeField(_("labelled at"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    shipped_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("shipped by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["tracking_number"], condition=~Q(tracking_number=""), name="fulfillment_shipment_tracking_uniq"
            ),
            # A labelled or shipped parcel has its tracking number; a voided or missing label has none.
            models.CheckConstraint(
                condition=~Q(label_state="ready") | ~Q(tracking_number=""),
                name="fulfillment_shipment_label_has_tracking",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=[S.LABELLED, *CARRIER_STATES, S.DELIVERED, S.RETURNED_TO_SENDER])
                | ~Q(tracking_number=""),
                name="fulfillment_shipment_shipped_has_tracking",
            ),
        ]
        indexes = [
            # The warehouse board: shipments per warehouse and state, oldest first.
            models.Index(fields=["warehouse", "state", "created_at"], name="fulfillment_shipment_board_idx"),
            models.Index(fields=["order", "state"], name="fulfillment_shipment_order_idx"),
            models.Index(fields=["state", "expected_delivery_date"], name="fulfillment_shipment_eta_idx"),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_state_display(self) -> str:
        return choice_label(ShipmentState, self.state)

    def get_label_state_display(self) -> str:
        return choice_label(LabelState, self.label_state)

    @property
    def is_in_warehouse(self) -> bool:
        return self.state in WAREHOUSE_STATES

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    # -- state machine (bodies set fields of this row only) ---------------------------------------
    @transition(field=state, source=S.PLANNED, target=S.PICKING)
    def start_picking(self) -> None:
        self.picking_started_at = timezone.now()

    @transition(field=state, source=S.PICKING, target=S.PACKED)
    def pack(self, *, user: object = None, weight_grams: int = 0) -> None:
        self.packed_at = timezone.now()
        self.packed_by = user  # type: ignore[assignment]
        self.weight_grams = weight_grams

    @transition(field=state, source=S.PACKED, target=S.LABELLED)
    def label(self, *, tracking_number: str, routing_code: str = "") -> None:
        self.tracking_number = tracking_number
        self.routing_code = routing_code
        self.label_state = LabelState.READY
        self.label_error = ""
        self.labelled_at = timezone.now()

    @transition(field=state, source=S.LABELLED, target=S.PACKED)
    def void_label(self) -> None:
        self.tracking_number = ""
        self.routing_code = ""
        self.label_state = LabelState.VOIDED
        self.label_document = None
        self.labelled_at = None

    @transition(field=state, source=S.LABELLED, target=S.SHIPPED)
    def ship(self, *, user: object = None) -> None:
        self.shipped_at = timezone.now()
        self.shipped_by = user  # type: ignore[assignment]

    @transition(field=state, source=[S.SHIPPED, S.IN_TRANSIT, S.EXCEPTION], target=S.IN_TRANSIT)
    def move_in_transit(self) -> None:
        self.exception_reason = ""

    @transition(field=state, source=[S.SHIPPED, S.IN_TRANSIT, S.EXCEPTION], target=S.OUT_FOR_DELIVERY)
    def send_out_for_delivery(self) -> None:
        self.exception_reason = ""

    @transition(field=state, source=CARRIER_STATES, target=S.DELIVERED)
    def deliver(self) -> None:
        self.delivered_at = timezone.now()
        self.exception_reason = ""

    @transition(field=state, source=CARRIER_STATES, target=S.EXCEPTION)
    def report_exception(self, reason: str = "") -> None:
        self.exception_reason = reason

    @transition(field=state, source=CARRIER_STATES, target=S.RETURNED_TO_SENDER)
    def return_to_sender(self) -> None:
        pass

    @transition(field=state, source=WAREHOUSE_STATES, target=S.ON_HOLD)
    def hold(self, reason: str = "") -> None:
        # A held parcel goes back into the queue: its label (the address problem) is void.
        self.state_before_hold = self.state
        self.hold_reason = reason
        self.tracking_number = ""
        self.routing_code = ""
        if self.label_state != LabelState.NONE:
            self.label_state = LabelState.VOIDED
        self.label_document = None
        self.labelled_at = None
        self.pick_list = None

    @transition(field=state, source=S.ON_HOLD, target=RETURN_VALUE(S.PLANNED, S.PACKED))
    def unhold(self) -> str:
        # What was packed stays packed (it needs a new label); anything earlier is picked again.
        back = S.PACKED if self.state_before_hold in (S.PACKED, S.LABELLED) else S.PLANNED
        self.state_before_hold = ""
        self.hold_reason = ""
        return back

    @transition(field=state, source=[*WAREHOUSE_STATES, S.ON_HOLD], target=S.CANCELLED)
    def cancel(self, reason: str = "") -> None:
        self.cancel_reason = reason
        self.cancelled_at = timezone.now()
        self.tracking_number = ""
        self.routing_code = ""
        if self.label_state != LabelState.NONE:
            self.label_state = LabelState.VOIDED
        self.pick_list = None


# Templates must never run a transition.
for _transition in (
    Shipment.start_picking,
    Shipment.pack,
    Shipment.label,
    Shipment.void_label,
    Shipment.ship,
    Shipment.move_in_transit,
    Shipment.send_out_for_delivery,
    Shipment.deliver,
    Shipment.report_exception,
    Shipment.return_to_sender,
    Shipment.hold,
    Shipment.unhold,
    Shipment.cancel,
):
    _transition.alters_data = True


class ShipmentLine(models.Model):
    """Units of one order line in a shipment, taken from one bin. An order line whose units come
    from two bins has two lines; shipping consumes ``quantity_picked`` from ``bin``.

    ``quantity`` is what the shipment should carry, ``quantity_picked`` what the picker took
    (never more than ``quantity``) and ``quantity_packed`` what the packer verified by scanning."""

    shipment = models.ForeignKey(Shipment, verbose_name=_("shipment"), on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        "orders.OrderLine", verbose_name=_("order line"), on_delete=models.PROTECT, related_name="+"
    )
    product = models.ForeignKey(
        "inventory.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="+"
    )
    bin = models.ForeignKey(
        "inventory.BinLocation",
        verbose_name=_("bin"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Where the units are picked from (empty: stock without a bin)."),
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    quantity_picked = models.PositiveIntegerField(_("picked"), default=0)
    quantity_packed = models.PositiveIntegerField(_("packed"), default=0)

    class Meta:
        verbose_name = _("shipment line")
        verbose_name_plural = _("shipment lines")
        ordering = ["shipment", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="fulfillment_shipline_quantity_gte_1"),
            models.CheckConstraint(
                condition=Q(quantity_picked__lte=F("quantity")), name="fulfillment_shipline_picked_lte_quantity"
            ),
            models.CheckConstraint(
                condition=Q(quantity_packed__lte=F("quantity_picked")), name="fulfillment_shipline_packed_lte_picked"
            ),
        ]
        indexes = [models.Index(fields=["order_line"], name="fulfillment_shipline_oline_idx")]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_id}"


class Package(models.Model):
    """One parcel of a shipment: its box, its weight (contents and tare) and, when the carrier
    labels parcels one by one, its own tracking number. ``number`` counts 1, 2, … per shipment."""

    shipment = models.ForeignKey(
        Shipment, verbose_name=_("shipment"), on_delete=models.CASCADE, related_name="packages"
    )
    number = models.PositiveSmallIntegerField(_("number"), default=1)
    package_type = models.ForeignKey(
        "fulfillment.PackageType", verbose_name=_("package type"), on_delete=models.PROTECT, related_name="+"
    )
    weight_grams = models.PositiveIntegerField(_("weight (g)"))
    tracking_number = models.CharField(_("tracking number"), max_length=60, blank=True)
    delivery_note = models.ForeignKey(
        "oms.Document",
        verbose_name=_("delivery note"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("package")
        verbose_name_plural = _("packages")
        ordering = ["shipment", "number"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "number"], name="fulfillment_package_shipment_number_uniq"),
            models.UniqueConstraint(
                fields=["tracking_number"], condition=~Q(tracking_number=""), name="fulfillment_package_tracking_uniq"
            ),
            models.CheckConstraint(condition=Q(weight_grams__gte=1), name="fulfillment_package_weight_gte_1"),
        ]

    def __str__(self) -> str:
        return f"{self.shipment_id}/{self.number}"


class PackageItem(models.Model):
    """Units of a shipment line packed into one package (the delivery note per package lists them)."""

    package = models.ForeignKey(Package, verbose_name=_("package"), on_delete=models.CASCADE, related_name="items")
    shipment_line = models.ForeignKey(
        ShipmentLine, verbose_name=_("shipment line"), on_delete=models.CASCADE, related_name="package_items"
    )
    quantity = models.PositiveIntegerField(_("quantity"))

    class Meta:
        verbose_name = _("package item")
        verbose_name_plural = _("package items")
        ordering = ["package", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["package", "shipment_line"], name="fulfillment_packageitem_uniq"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="fulfillment_packageitem_quantity_gte_1"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.shipment_line_id}"
