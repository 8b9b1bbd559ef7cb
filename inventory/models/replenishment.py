"""Replenishment: daily demand history, reorder rules (min/max) and the stored demand forecasts."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

DEFAULT_SERVICE_LEVEL = Decimal("0.950")


class DailyDemand(models.Model):
    """Units demanded of a product from a warehouse on one day (the forecast's input).

    Written by ``inventory.services.replenishment.record_demand`` when an order is allocated
    (an upsert that adds to the day) and bulk-inserted by seeders and load generators.
    """

    product = models.ForeignKey(
        "inventory.Product", verbose_name=_("product"), on_delete=models.CASCADE, related_name="daily_demand"
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse", verbose_name=_("warehouse"), on_delete=models.CASCADE, related_name="daily_demand"
    )
    date = models.DateField(_("date"))
    quantity = models.PositiveIntegerField(_("quantity"), default=0)

    class Meta:
        verbose_name = _("daily demand")
        verbose_name_plural = _("daily demand")
        ordering = ["product", "warehouse", "date"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "warehouse", "date"], name="inventory_dailydemand_product_wh_date_uniq"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}@{self.warehouse_id} {self.date}: {self.quantity}"


class RuleSource(models.TextChoices):
    MANUAL = "manual", _("Set by hand")
    SUGGESTED = "suggested", _("Accepted suggestion")


class ReplenishmentRule(models.Model):
    """Min/max rule for a product in a warehouse: when available + inbound falls to ``reorder_point``,
    order up to ``target_level``. ``service_level`` sets the safety stock of the suggestions."""

    product = models.ForeignKey(
        "inventory.Product", verbose_name=_("product"), on_delete=models.CASCADE, related_name="replenishment_rules"
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse",
        verbose_name=_("warehouse"),
        on_delete=models.CASCADE,
        related_name="replenishment_rules",
    )
    reorder_point = models.PositiveIntegerField(_("reorder point"))
    target_level = models.PositiveIntegerField(_("target level"))
    source = models.CharField(_("source"), max_length=20, choices=RuleSource.choices, default=RuleSource.MANUAL)
    service_level = models.DecimalField(
        _("service level"),
        max_digits=4,
        decimal_places=3,
        default=DEFAULT_SERVICE_LEVEL,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("0.999"))],
        help_text=_("Share of replenishment cycles without a stock-out, e.g. 0.95."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("replenishment rule")
        verbose_name_plural = _("replenishment rules")
        ordering = ["product", "warehouse"]
        constraints = [
            models.UniqueConstraint(fields=["product", "warehouse"], name="inventory_rule_product_wh_uniq"),
            models.CheckConstraint(
                condition=models.Q(target_level__gte=models.F("reorder_point")),
                name="inventory_rule_target_gte_reorder_point",
            ),
            models.CheckConstraint(
                condition=models.Q(service_level__gte=Decimal("0.5"), service_level__lte=Decimal("0.999")),
                name="inventory_rule_service_level_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product_id}@{self.warehouse_id}: {self.reorder_point}/{self.target_level}"


# The names ``inventory.forecasting.Method`` stores, as planners read them.
FORECAST_METHOD_LABELS = {
    "holt_winters_yearly": _("Seasonal, with a yearly pattern"),
    "holt_winters_weekly": _("Seasonal, with a short repeating pattern"),
    "holt_damped": _("Trend that flattens out"),
    "mean": _("Average of past weeks"),
    "zero": _("No demand"),
    "none": _("No forecast"),
}


class DemandForecast(models.Model):
    """The latest forecast and replenishment suggestion for a product in a warehouse (one row per pair,
    replaced by every ``recompute_forecasts``). ``weekly_forecast`` holds 12 weekly unit totals."""

    product = models.ForeignKey(
        "inventory.Product", verbose_name=_("product"), on_delete=models.CASCADE, related_name="demand_forecasts"
    )
    warehouse = models.ForeignKey(
        "inventory.Warehouse", verbose_name=_("warehouse"), on_delete=models.CASCADE, related_name="demand_forecasts"
    )
    computed_at = models.DateTimeField(_("computed at"))
    history_end = models.DateField(_("history up to"), help_text=_("Last day of demand the forecast has seen."))
    history_weeks = models.PositiveIntegerField(_("weeks of history"), default=0)
    method = models.CharField(_("method"), max_length=40)
    weekly_forecast = models.JSONField(_("weekly forecast"), default=list)
    mean_daily_demand = models.FloatField(_("mean daily demand"), default=0.0)
    wape_model = models.FloatField(_("WAPE (model)"), null=True, blank=True)
    wape_naive = models.FloatField(_("WAPE (naive)"), null=True, blank=True)
    backtest = models.JSONField(_("backtest"), default=dict, blank=True)
    available = models.IntegerField(_("available"), default=0)
    inbound = models.IntegerField(_("inbound"), default=0)
    days_of_cover = models.FloatField(_("days of cover"), null=True, blank=True)
    lead_time_days = models.PositiveIntegerField(_("lead time (days)"), default=0)
    service_level = models.DecimalField(
        _("service level"), max_digits=4, decimal_places=3, default=DEFAULT_SERVICE_LEVEL
    )
    safety_stock = models.PositiveIntegerField(_("safety stock"), default=0)
    suggested_reorder_point = models.PositiveIntegerField(_("suggested reorder point"), default=0)
    suggested_target = models.PositiveIntegerField(_("suggested target level"), default=0)
    suggested_order_qty = models.PositiveIntegerField(_("suggested order quantity"), default=0)

    class Meta:
        verbose_name = _("demand forecast")
        verbose_name_plural = _("demand forecasts")
        ordering = ["product", "warehouse"]
        constraints = [
            models.UniqueConstraint(fields=["product", "warehouse"], name="inventory_forecast_product_wh_uniq"),
        ]
        indexes = [models.Index(fields=["warehouse", "days_of_cover"], name="inventory_forecast_cover_idx")]

    def __str__(self) -> str:
        return f"{self.product_id}@{self.warehouse_id} ({self.method})"

    @property
    def method_label(self) -> str:
        """The forecast method as a planner reads it (``holt_winters_yearly`` is a stored name)."""
        return str(FORECAST_METHOD_LABELS.get(self.method, _("Other method")))

    @property
    def model_beats_naive(self) -> bool:
        """The backtest says: trust the model over the naive rule."""
        return self.wape_model is not None and self.wape_naive is not None and self.wape_model < self.wape_naive
