"""Allocations: which order line holds how many reserved units of which stock level.

A row exists only while it holds stock: the sum of ``quantity`` over a stock level's allocations
equals that level's ``reserved``. Releasing (cancel, edit, re-route) lowers or deletes rows;
shipping (``fulfillment``) turns them into shipped quantities. Inventory knows only the
reservation reference ``order:<pk>``.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def reservation_reference(order_id: int) -> str:
    """The opaque reference inventory stores for an order's reservations."""
    return f"order:{order_id}"


class Allocation(models.Model):
    order_line = models.ForeignKey(
        "orders.OrderLine", verbose_name=_("order line"), on_delete=models.CASCADE, related_name="allocations"
    )
    stock_level = models.ForeignKey(
        "inventory.StockLevel", verbose_name=_("stock level"), on_delete=models.PROTECT, related_name="+"
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse", verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["order_line", "warehouse"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="orders_allocation_quantity_gte_1"),
            models.UniqueConstraint(fields=["order_line", "stock_level"], name="orders_allocation_line_level_uniq"),
        ]
        indexes = [models.Index(fields=["stock_level"], name="orders_allocation_level_idx")]

    def __str__(self) -> str:
        return f"{self.quantity} @ {self.warehouse_id}"
