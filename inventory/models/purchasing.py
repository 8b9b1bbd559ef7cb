"""Purchasing: suppliers, purchase orders and their lines (the inbound side of availability)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition


class Supplier(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    email = models.EmailField(_("e-mail"), blank=True)
    lead_time_days = models.PositiveIntegerField(
        _("lead time (days)"), default=7, help_text=_("Days from ordering until the goods arrive.")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PurchaseOrderState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    PARTIALLY_RECEIVED = "partially_received", _("Partially received")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")


# Open purchase orders count as inbound stock; a draft does not (nothing is ordered yet).
OPEN_PO_STATES = (PurchaseOrderState.OPEN, PurchaseOrderState.PARTIALLY_RECEIVED)
# A purchase order whose lines and dates may still change (nothing received yet).
EDITABLE_PO_STATES = (PurchaseOrderState.DRAFT, PurchaseOrderState.OPEN)


class PurchaseOrder(FSMModelMixin, models.Model):
    """Goods ordered from a supplier for one warehouse.

    A draft is prepared in the back office and counts as nothing; sending it to the supplier opens
    it (``purchasing`` service), and from then on its state follows the receipts (``receiving``).
    ``revision`` counts the edits, so the PDF the supplier gets is the version of the last edit.
    """

    number = models.CharField(_("number"), max_length=30, unique=True)
    supplier = models.ForeignKey(
        Supplier, verbose_name=_("supplier"), on_delete=models.PROTECT, related_name="purchase_orders"
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse", verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="purchase_orders"
    )
    expected_date = models.DateField(_("expected date"), null=True, blank=True)
    state = FSMField(
        _("state"), max_length=20, choices=PurchaseOrderState.choices, default=PurchaseOrderState.OPEN, protected=True
    )
    note = models.TextField(_("note"), blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=1, editable=False)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "expected_date"], name="inventory_po_state_exp_idx")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_PO_STATES

    @property
    def is_draft(self) -> bool:
        return self.state == PurchaseOrderState.DRAFT

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_PO_STATES

    @transition(
        field=state,
        source=[PurchaseOrderState.DRAFT, PurchaseOrderState.OPEN],
        target=PurchaseOrderState.OPEN,
    )
    def send(self) -> None:
        """Ordered from the supplier (again, after an edit): the open quantities count as inbound."""

    @transition(
        field=state,
        source=[PurchaseOrderState.OPEN, PurchaseOrderState.PARTIALLY_RECEIVED],
        target=PurchaseOrderState.PARTIALLY_RECEIVED,
    )
    def receive_partially(self) -> None:
        """Some, not all, ordered units have arrived."""

    @transition(
        field=state,
        source=[PurchaseOrderState.OPEN, PurchaseOrderState.PARTIALLY_RECEIVED],
        target=PurchaseOrderState.RECEIVED,
    )
    def complete(self) -> None:
        """Every line is received in full."""

    @transition(
        field=state,
        source=[PurchaseOrderState.DRAFT, PurchaseOrderState.OPEN, PurchaseOrderState.PARTIALLY_RECEIVED],
        target=PurchaseOrderState.CANCELLED,
    )
    def cancel(self) -> None:
        """Nothing more is expected (units already received stay in stock)."""

    send.alters_data = True
    receive_partially.alters_data = True
    complete.alters_data = True
    cancel.alters_data = True


class PurchaseOrderLine(models.Model):
    purchase_order = models.ForeignKey(
        PurchaseOrder, verbose_name=_("purchase order"), on_delete=models.CASCADE, related_name="lines"
    )
    product = models.ForeignKey(
        "inventory.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="purchase_order_lines"
    )
    quantity_ordered = models.PositiveIntegerField(_("quantity ordered"))
    quantity_received = models.PositiveIntegerField(_("quantity received"), default=0)
    unit_cost = models.DecimalField(_("unit cost"), max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("purchase order line")
        verbose_name_plural = _("purchase order lines")
        ordering = ["purchase_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["purchase_order", "product"], name="inventory_poline_po_product_uniq"),
            models.CheckConstraint(condition=models.Q(quantity_ordered__gt=0), name="inventory_poline_ordered_gt_0"),
        ]

    def __str__(self) -> str:
        return f"{self.purchase_order_id}: {self.product_id} x {self.quantity_ordered}"

    @property
    def quantity_open(self) -> int:
        return max(self.quantity_ordered - self.quantity_received, 0)
