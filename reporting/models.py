"""Rollups the reports read: one fact row per order, per order line and per return request, the
orders' state spans, and daily sums.

They are derived data, rebuilt from the stored rows (orders, their timeline events, shipments,
pick lines, ratings, return requests and their refunds) by ``reporting.services.rollups``:
incrementally past a watermark every minute, or from scratch by ``manage.py rebuild_rollups``.
Nothing else writes them. Days are calendar days in the business time zone (``TIME_ZONE``), cut
at local midnight. Line and return facts carry their order's day, so every report counts the
orders placed in its range.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2, "default": Decimal("0.00")}


class Watermark(models.Model):
    """How far the incremental refresh has read the stored rows. Advanced in the same transaction
    as the rollups it produced, so a refresh that dies leaves it where it was."""

    name = models.CharField(_("name"), max_length=40, primary_key=True)
    position = models.DateTimeField(_("read up to"))
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("rollup watermark")
        verbose_name_plural = _("rollup watermarks")

    def __str__(self) -> str:
        return f"{self.name}: {self.position:%Y-%m-%d %H:%M:%S}"


class Dimensions(models.Model):
    """What every rollup row is cut by besides its day: the order's channel, warehouse (its first
    shipment's, else the one routing chose) and shipping country."""

    channel = models.ForeignKey("orders.Channel", verbose_name=_("channel"), on_delete=models.CASCADE, related_name="+")
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        verbose_name=_("warehouse"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    country = models.CharField(_("country"), max_length=2)

    class Meta:
        abstract = True


class OrderFact(Dimensions):
    """One order as the reports count it. ``gross`` is the order total without gift cards sold
    (they are no sales), ``net`` the gross without VAT; both zero for a cancelled order. Stage
    durations are whole seconds between the order's recorded timestamps (None: not reached)."""

    order = models.OneToOneField(
        "orders.Order", verbose_name=_("order"), on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    day = models.DateField(_("day placed"))
    currency = models.CharField(_("currency"), max_length=3)
    state = models.CharField(_("state"), max_length=20)
    cancelled = models.BooleanField(_("cancelled"), default=False)
    units = models.PositiveIntegerField(_("units"), default=0)
    gross = models.DecimalField(_("revenue gross"), **MONEY)
    net = models.DecimalField(_("revenue net"), **MONEY)
    placed_at = models.DateTimeField(_("placed at"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    allocated_at = models.DateTimeField(_("allocated at"), null=True, blank=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    picked_at = models.DateTimeField(_("picked at"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    promised_ship_date = models.DateField(_("promised ship date"), null=True, blank=True)
    shipped_on_time = models.BooleanField(_("shipped on the promised day"), null=True, blank=True)
    shipped_before_cutoff = models.BooleanField(_("shipped before the cut-off"), null=True, blank=True)
    short_units = models.PositiveIntegerField(_("units picked short"), default=0)
    # Stage durations in seconds.
    to_confirm = models.BigIntegerField(_("placed → confirmed"), null=True, blank=True)
    to_allocate = models.BigIntegerField(_("confirmed → allocated"), null=True, blank=True)
    to_release = models.BigIntegerField(_("allocated → released"), null=True, blank=True)
    to_pick = models.BigIntegerField(_("released → picked"), null=True, blank=True)
    to_ship = models.BigIntegerField(_("picked → shipped"), null=True, blank=True)
    to_deliver = models.BigIntegerField(_("shipped → delivered"), null=True, blank=True)
    placed_to_shipped = models.BigIntegerField(_("placed → shipped"), null=True, blank=True)
    placed_to_delivered = models.BigIntegerField(_("placed → delivered"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("order fact")
        verbose_name_plural = _("order facts")
        indexes = [
            models.Index(fields=["day", "channel"], name="reporting_fact_day_idx"),
            models.Index(fields=["shipped_at"], name="reporting_fact_shipped_idx"),
            # Throughput per day: the orders picked in the range.
            models.Index(fields=["picked_at"], name="reporting_fact_picked_idx"),
            models.Index(fields=["state", "promised_ship_date"], name="reporting_fact_state_idx"),
        ]

    def __str__(self) -> str:
        return f"order {self.order_id} ({self.day})"


class StateSpan(Dimensions):
    """A stretch of time an order spent in one state, from its timeline's transition events.
    ``left_at`` is None while the order is still in it. ``day`` is the local day it entered."""

    order = models.ForeignKey("orders.Order", verbose_name=_("order"), on_delete=models.CASCADE, related_name="+")
    state = models.CharField(_("state"), max_length=20)
    entered_at = models.DateTimeField(_("entered at"))
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    seconds = models.BigIntegerField(_("seconds"), null=True, blank=True)
    day = models.DateField(_("day entered"))

    class Meta:
        verbose_name = _("state span")
        verbose_name_plural = _("state spans")
        indexes = [
            models.Index(fields=["day", "state"], name="reporting_span_day_idx"),
            models.Index(fields=["order"], name="reporting_span_order_idx"),
            models.Index(
                fields=["state", "entered_at"], name="reporting_span_open_idx", condition=models.Q(left_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"order {self.order_id}: {self.state}"


class DailySales(Dimensions):
    """Sums of the order facts placed on one local day, per channel, warehouse, country and
    currency. Cancelled orders count in ``cancelled_orders`` only."""

    day = models.DateField(_("day"))
    currency = models.CharField(_("currency"), max_length=3)
    orders = models.PositiveIntegerField(_("orders"), default=0)
    cancelled_orders = models.PositiveIntegerField(_("cancelled orders"), default=0)
    units = models.PositiveIntegerField(_("units"), default=0)
    gross = models.DecimalField(_("revenue gross"), **MONEY)
    net = models.DecimalField(_("revenue net"), **MONEY)
    shipped_orders = models.PositiveIntegerField(_("shipped orders"), default=0)
    shipped_on_time = models.PositiveIntegerField(_("shipped on the promised day"), default=0)
    shipped_before_cutoff = models.PositiveIntegerField(_("shipped before the cut-off"), default=0)
    short_units = models.PositiveIntegerField(_("units picked short"), default=0)

    class Meta:
        verbose_name = _("daily sales")
        verbose_name_plural = _("daily sales")
        ordering = ["day"]
        indexes = [models.Index(fields=["day", "channel", "country"], name="reporting_daily_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.channel_id} {self.country}"


class LineFact(Dimensions):
    """One order line as the returns report counts it: the units ordered (less those cancelled),
    shipped and returned (received back), under the day its order was placed."""

    order_line = models.OneToOneField(
        "orders.OrderLine", verbose_name=_("order line"), on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    order = models.ForeignKey("orders.Order", verbose_name=_("order"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day placed"))
    sku = models.CharField(_("SKU"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    category = models.ForeignKey(
        "inventory.Category",
        verbose_name=_("category"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    units = models.PositiveIntegerField(_("units"), default=0)
    units_shipped = models.PositiveIntegerField(_("units shipped"), default=0)
    units_returned = models.PositiveIntegerField(_("units returned"), default=0)

    class Meta:
        verbose_name = _("order line fact")
        verbose_name_plural = _("order line facts")
        indexes = [
            models.Index(fields=["day", "channel"], name="reporting_line_day_idx"),
            models.Index(fields=["order"], name="reporting_line_order_idx"),
        ]

    def __str__(self) -> str:
        return f"line {self.order_line_id} ({self.sku})"


class ReturnFact(Dimensions):
    """One return request as the returns report counts it, under the day its order was placed.
    ``declared_at`` is when the customer declared it (the withdrawal, else the request);
    ``refunded`` the money paid back for it, ``refund_seconds`` declaration → first refund."""

    return_request = models.OneToOneField(
        "returns.ReturnRequest",
        verbose_name=_("return request"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="+",
    )
    order = models.ForeignKey("orders.Order", verbose_name=_("order"), on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day placed"))
    reason = models.CharField(_("reason"), max_length=20)
    state = models.CharField(_("state"), max_length=20)
    currency = models.CharField(_("currency"), max_length=3)
    units = models.PositiveIntegerField(_("units requested"), default=0)
    units_received = models.PositiveIntegerField(_("units received"), default=0)
    credited = models.DecimalField(_("credited"), **MONEY)
    refunded = models.DecimalField(_("refunded"), **MONEY)
    declared_at = models.DateTimeField(_("declared at"))
    refunded_at = models.DateTimeField(_("refunded at"), null=True, blank=True)
    refund_seconds = models.BigIntegerField(_("declared → refunded"), null=True, blank=True)

    class Meta:
        verbose_name = _("return fact")
        verbose_name_plural = _("return facts")
        indexes = [
            models.Index(fields=["day", "channel"], name="reporting_return_day_idx"),
            models.Index(fields=["order"], name="reporting_return_order_idx"),
        ]

    def __str__(self) -> str:
        return f"return {self.return_request_id} ({self.reason})"


class DailyFinance(Dimensions):
    """Billing's sums of one local day, per channel, warehouse (the invoiced shipment's), country
    and currency: invoices issued (by invoice date), credit notes (by credit note date) and money
    applied to invoices (by the day it was booked; refunds count negative)."""

    day = models.DateField(_("day"))
    currency = models.CharField(_("currency"), max_length=3)
    invoices = models.PositiveIntegerField(_("invoices"), default=0)
    invoiced = models.DecimalField(_("invoiced"), **MONEY)
    credit_notes = models.PositiveIntegerField(_("credit notes"), default=0)
    credited = models.DecimalField(_("credited"), **MONEY)
    paid = models.DecimalField(_("paid"), **MONEY)

    class Meta:
        verbose_name = _("daily finance")
        verbose_name_plural = _("daily finance")
        ordering = ["day"]
        indexes = [models.Index(fields=["day", "channel"], name="reporting_finance_day_idx")]

    def __str__(self) -> str:
        return f"{self.day} {self.channel_id} {self.country}"


class DailyProductSales(Dimensions):
    """Units of one product (by SKU) ordered in the orders placed on one local day, per channel,
    warehouse and country, and how many of them have shipped: the demand the inventory health
    section reads (summed from the line facts of that day; cancelled units left out)."""

    day = models.DateField(_("day"))
    sku = models.CharField(_("SKU"), max_length=64)
    units = models.PositiveIntegerField(_("units"), default=0)
    units_shipped = models.PositiveIntegerField(_("units shipped"), default=0)

    class Meta:
        verbose_name = _("daily product sales")
        verbose_name_plural = _("daily product sales")
        ordering = ["day"]
        indexes = [
            models.Index(fields=["day", "warehouse"], name="reporting_product_day_idx"),
            models.Index(fields=["sku", "day"], name="reporting_product_sku_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.sku}"
