"""Stock: levels per product and warehouse, quantities per bin, the movement ledger, channel buffers."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from inventory import availability
from oms.choices import choice_label


class StockLevelQuerySet(models.QuerySet):
    def with_available(self) -> StockLevelQuerySet:
        """Annotate ``available_units``: the availability rule (``inventory.availability``)."""
        return self.annotate(available_units=availability.AVAILABLE)


class StockLevel(models.Model):
    """How many units of a product a warehouse holds (``on_hand``), how many are promised to orders
    (``reserved``) and how many are on hand but not sellable (``blocked``: quarantine, damaged
    returns). What may be promised is ``inventory.availability.available``.

    Changed only by ``inventory.services``; ``on_hand`` always equals the sum of the product's
    ``StockMovement`` rows in this warehouse, ``blocked`` the sum of their ``blocked_change``.
    ``updated_at`` is set by every service (also by the conditional UPDATEs, which bypass
    ``auto_now``) so channels can sync with ``updated_since``.
    """

    product = models.ForeignKey(
        "inventory.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="stock_levels"
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse", verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="stock_levels"
    )
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)
    # ``db_default`` too: bulk loaders writing rows in SQL (the load generator) need not know it.
    blocked = models.IntegerField(
        _("blocked"), default=0, db_default=0, help_text=_("On hand but not sellable: quarantine, damaged returns.")
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    objects = StockLevelQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        ordering = ["product", "warehouse"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "warehouse"], name="inventory_stocklevel_product_warehouse_uniq"
            ),
            models.CheckConstraint(condition=models.Q(on_hand__gte=0), name="inventory_stocklevel_on_hand_gte_0"),
            models.CheckConstraint(condition=models.Q(reserved__gte=0), name="inventory_stocklevel_reserved_gte_0"),
            models.CheckConstraint(condition=models.Q(blocked__gte=0), name="inventory_stocklevel_blocked_gte_0"),
            # Reserved and blocked units are both on hand, never the same ones: no oversell, even
            # of units in quarantine.
            models.CheckConstraint(
                condition=models.Q(reserved__lte=models.F("on_hand") - models.F("blocked")),
                name="inventory_stocklevel_reserved_blocked_lte_on_hand",
            ),
        ]
        indexes = [models.Index(fields=["updated_at", "id"], name="inventory_stocklevel_sync_idx")]

    def __str__(self) -> str:
        return (
            f"{self.product_id}@{self.warehouse_id}: {self.on_hand} on hand, {self.reserved} reserved, "
            f"{self.blocked} blocked"
        )

    @property
    def available(self) -> int:
        return availability.available(self)


class BinStock(models.Model):
    """Units of a stock level that sit in one bin. The sum over bins never exceeds ``on_hand``;
    the rest (``StockLevel.on_hand - sum``) is stock without a place yet (e.g. at the receiving dock)."""

    stock_level = models.ForeignKey(
        StockLevel, verbose_name=_("stock level"), on_delete=models.CASCADE, related_name="bin_stocks"
    )
    bin = models.ForeignKey(
        "inventory.BinLocation", verbose_name=_("bin"), on_delete=models.PROTECT, related_name="bin_stocks"
    )
    quantity = models.IntegerField(_("quantity"), default=0)

    class Meta:
        verbose_name = _("bin stock")
        verbose_name_plural = _("bin stocks")
        ordering = ["stock_level", "bin__pick_sequence"]
        constraints = [
            models.UniqueConstraint(fields=["stock_level", "bin"], name="inventory_binstock_level_bin_uniq"),
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="inventory_binstock_quantity_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.bin_id}: {self.quantity}"


class MovementKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    ADJUSTMENT = "adjustment", _("Adjustment")
    COUNT = "count", _("Cycle count")
    TRANSFER_OUT = "transfer_out", _("Transfer out")
    TRANSFER_IN = "transfer_in", _("Transfer in")
    BIN_TRANSFER = "bin_transfer", _("Bin transfer")
    SHIP = "ship", _("Shipment")
    RETURN = "return", _("Return")
    SCRAP = "scrap", _("Scrap")
    BLOCK = "block", _("Blocked")
    UNBLOCK = "unblock", _("Unblocked")


class StockMovement(models.Model):
    """One change of ``on_hand`` (signed ``quantity``) and/or of ``blocked`` (signed
    ``blocked_change``): the ledger. Rows are never edited or deleted. Blocking units writes a
    ``block`` row with ``quantity`` 0; scrapping blocked units lowers both.

    A move between two bins of one warehouse does not change ``on_hand``; it is recorded as two
    ``bin_transfer`` rows (-q, +q) so the ledger still sums to ``on_hand``.
    """

    product = models.ForeignKey(
        "inventory.Product", verbose_name=_("product"), on_delete=models.PROTECT, related_name="movements"
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse", verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="movements"
    )
    bin = models.ForeignKey(
        "inventory.BinLocation",
        verbose_name=_("bin"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=MovementKind.choices)
    quantity = models.IntegerField(_("quantity"), help_text=_("Positive adds to on hand, negative takes away."))
    blocked_change = models.IntegerField(
        _("blocked change"),
        default=0,
        db_default=0,
        help_text=_("Positive blocks units, negative releases or scraps blocked ones."),
    )
    on_hand_after = models.IntegerField(_("on hand after"))
    reason = models.CharField(_("reason"), max_length=255, blank=True)
    reference = models.CharField(_("reference"), max_length=100, blank=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["product", "warehouse", "-id"], name="inventory_movement_ledger_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(quantity=0) | ~models.Q(blocked_change=0), name="inventory_movement_changes_stock"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity:+d} {self.product_id}@{self.warehouse_id}"

    def get_kind_display(self) -> str:
        return choice_label(MovementKind, self.kind)


class ChannelStockBuffer(models.Model):
    """Units held back from one sales channel's available-to-promise (all products when ``product`` is empty),
    so a fast marketplace does not sell the last units a slower channel may also sell."""

    channel_code = models.CharField(_("channel code"), max_length=50, db_index=True)
    product = models.ForeignKey(
        "inventory.Product",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="channel_buffers",
        help_text=_("Empty: applies to every product."),
    )
    buffer = models.PositiveIntegerField(_("buffer (units)"))
    # Channels syncing with ``updated_since`` see a changed buffer as changed stock.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("channel stock buffer")
        verbose_name_plural = _("channel stock buffers")
        ordering = ["channel_code", "product"]
        constraints = [
            models.UniqueConstraint(fields=["channel_code", "product"], name="inventory_buffer_channel_product_uniq"),
            models.UniqueConstraint(
                fields=["channel_code"],
                condition=models.Q(product__isnull=True),
                name="inventory_buffer_channel_all_uniq",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_code}: {self.buffer}"
