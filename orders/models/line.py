"""Order lines: a product with a snapshot of SKU, name and price, and where its units stand."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class OrderLine(models.Model):
    """``line_total = (quantity - quantity_cancelled) * unit_price - discount`` in the order's price
    mode (gross or net), rounded to the cent; ``discount`` is an amount for the whole line.

    ``quantity_allocated`` counts units reserved and not yet shipped; shipping moves units from
    allocated to shipped. ``allocated + shipped + cancelled <= quantity`` always holds.
    """

    order = models.ForeignKey("orders.Order", verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(_("position"), default=1)
    product = models.ForeignKey(
        "inventory.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="order_lines"
    )
    sku = models.CharField(_("SKU"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    discount = models.DecimalField(_("discount"), max_digits=12, decimal_places=2, default=Decimal("0.00"))
    vat_rate = models.DecimalField(_("VAT rate (%)"), max_digits=5, decimal_places=2)
    line_total = models.DecimalField(_("line total"), max_digits=12, decimal_places=2)
    quantity_allocated = models.PositiveIntegerField(_("allocated"), default=0)
    quantity_shipped = models.PositiveIntegerField(_("shipped"), default=0)
    quantity_returned = models.PositiveIntegerField(_("returned"), default=0)
    quantity_cancelled = models.PositiveIntegerField(_("cancelled"), default=0)
    # Units already counted as demand for the forecast (inventory's ``record_demand``), so that
    # re-allocating after an edit or a backorder counts only units the customer newly asked for.
    quantity_demand_recorded = models.PositiveIntegerField(_("counted as demand"), default=0, editable=False)

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order", "position", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="orders_line_quantity_gte_1"),
            models.CheckConstraint(condition=Q(unit_price__gte=0), name="orders_line_unit_price_gte_0"),
            models.CheckConstraint(condition=Q(discount__gte=0), name="orders_line_discount_gte_0"),
            models.CheckConstraint(condition=Q(quantity_allocated__gte=0), name="orders_line_allocated_gte_0"),
            models.CheckConstraint(condition=Q(quantity_shipped__gte=0), name="orders_line_shipped_gte_0"),
            models.CheckConstraint(condition=Q(quantity_returned__gte=0), name="orders_line_returned_gte_0"),
            models.CheckConstraint(condition=Q(quantity_cancelled__gte=0), name="orders_line_cancelled_gte_0"),
            models.CheckConstraint(
                condition=Q(quantity__gte=F("quantity_allocated") + F("quantity_shipped") + F("quantity_cancelled")),
                name="orders_line_quantities_lte_quantity",
            ),
            models.CheckConstraint(
                condition=Q(quantity_returned__lte=F("quantity_shipped")), name="orders_line_returned_lte_shipped"
            ),
        ]
        indexes = [models.Index(fields=["product", "order"], name="orders_line_product_idx")]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.sku}"

    @property
    def quantity_open(self) -> int:
        """Units still to be served (not cancelled, not shipped)."""
        return self.quantity - self.quantity_cancelled - self.quantity_shipped

    @property
    def quantity_to_allocate(self) -> int:
        """Units that still need a reservation."""
        return self.quantity_open - self.quantity_allocated
