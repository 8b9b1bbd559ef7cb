"""Carriers and their services as data: where they deliver, how long it takes, what they carry,
what they cost, and which integration class talks to them.

A new carrier is rows here plus, when it needs its own API, one class behind the carrier
integration interface; ``integration`` names that class by its dotted path.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

country_validator = RegexValidator(r"^[A-Z]{2}$", _("Use the two-letter ISO country code, e.g. DE."))
code_validator = RegexValidator(r"^[a-z0-9][a-z0-9_-]*$", _("Use lower-case letters, digits, '-' and '_'."))


def _validate_regex(value: str) -> None:
    try:
        re.compile(value)
    except re.error as error:
        raise ValidationError(_("Not a valid regular expression: %(error)s"), params={"error": error}) from error


def _validate_weekdays(value: object) -> None:
    if not isinstance(value, list) or any(not isinstance(day, int) or not 0 <= day <= 6 for day in value):
        raise ValidationError(_("List the weekdays as numbers, 0 for Monday to 6 for Sunday."))


def _default_weekdays() -> list[int]:
    return [0, 1, 2, 3, 4]


class Carrier(models.Model):
    """A parcel carrier (DHL, DPD, GLS, Hermes, UPS). ``tracking_url_pattern`` contains
    ``{tracking_number}``; ``tracking_number_pattern`` is the full-match regex its numbers obey.
    Tracking webhooks from this carrier are signed with ``webhook_secret``."""

    code = models.SlugField(_("code"), max_length=30, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    integration = models.CharField(
        _("integration class"),
        max_length=200,
        help_text=_("Dotted path of the class that buys labels and reads tracking for this carrier."),
    )
    tracking_url_pattern = models.CharField(
        _("tracking URL pattern"),
        max_length=300,
        blank=True,
        help_text=_("The customer's tracking link, with {tracking_number} where the number goes."),
    )
    tracking_number_pattern = models.CharField(
        _("tracking number format"),
        max_length=200,
        blank=True,
        validators=[_validate_regex],
        help_text=_("Regular expression a tracking number of this carrier matches in full."),
    )
    pickup_cutoff = models.TimeField(
        _("pickup cut-off"),
        null=True,
        blank=True,
        help_text=_(
            "When this carrier collects at the warehouses: its parcels must be ready by then. "
            "Empty: the warehouse's shipping cut-off."
        ),
    )
    webhook_secret = models.CharField(_("webhook secret"), max_length=255, blank=True)
    account_number = models.CharField(_("account number"), max_length=50, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")
        ordering = ["name", "code"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.tracking_url_pattern and "{tracking_number}" not in self.tracking_url_pattern:
            raise ValidationError({"tracking_url_pattern": _("The pattern needs {tracking_number}.")})

    def tracking_url(self, tracking_number: str) -> str:
        """The customer's tracking link for a number, or "" when the carrier has none."""
        if not self.tracking_url_pattern or not tracking_number:
            return ""
        return self.tracking_url_pattern.replace("{tracking_number}", tracking_number)

    def is_valid_tracking_number(self, tracking_number: str) -> bool:
        if not self.tracking_number_pattern:
            return bool(tracking_number)
        return re.fullmatch(self.tracking_number_pattern, tracking_number) is not None


class CarrierService(models.Model):
    """One product of a carrier (DHL Paket, DPD Classic, UPS Express): weight limit, the weekdays it
    delivers on (0 = Monday; Saturday is 5) and, per destination, the transit days."""

    carrier = models.ForeignKey(Carrier, verbose_name=_("carrier"), on_delete=models.PROTECT, related_name="services")
    code = models.SlugField(_("code"), max_length=30, validators=[code_validator])
    name = models.CharField(_("name"), max_length=100)
    max_weight_grams = models.PositiveIntegerField(_("weight limit (g)"))
    delivery_weekdays = models.JSONField(
        _("delivery weekdays"),
        default=_default_weekdays,
        validators=[_validate_weekdays],
        help_text=_("Weekdays it delivers on: 0 for Monday to 6 for Sunday, e.g. [0, 1, 2, 3, 4, 5]."),
    )
    is_express = models.BooleanField(_("express"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("carrier service")
        verbose_name_plural = _("carrier services")
        ordering = ["carrier", "code"]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "code"], name="fulfillment_service_carrier_code_uniq"),
            models.CheckConstraint(
                condition=models.Q(max_weight_grams__gte=1), name="fulfillment_service_max_weight_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.name}" if self.carrier_id else self.name

    def delivers_on(self, weekday: int) -> bool:
        return weekday in (self.delivery_weekdays or [])


class ServiceDestination(models.Model):
    """A country a carrier service delivers to, and how many working days it takes there."""

    service = models.ForeignKey(
        CarrierService, verbose_name=_("carrier service"), on_delete=models.CASCADE, related_name="destinations"
    )
    country = models.CharField(_("country"), max_length=2, validators=[country_validator])
    transit_days = models.PositiveSmallIntegerField(_("transit days"))

    class Meta:
        verbose_name = _("service destination")
        verbose_name_plural = _("service destinations")
        ordering = ["service", "country"]
        constraints = [
            models.UniqueConstraint(fields=["service", "country"], name="fulfillment_destination_service_country_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.country}: {self.transit_days}"


class ServiceRate(models.Model):
    """The cost table: what a parcel up to ``max_weight_grams`` costs with a service to a country
    (all countries the service serves when ``country`` is empty). The cheapest matching row wins."""

    service = models.ForeignKey(
        CarrierService, verbose_name=_("carrier service"), on_delete=models.CASCADE, related_name="rates"
    )
    country = models.CharField(
        _("country"), max_length=2, blank=True, help_text=_("Empty: every country the service serves.")
    )
    max_weight_grams = models.PositiveIntegerField(_("up to weight (g)"))
    price = models.DecimalField(_("price"), max_digits=10, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="EUR")

    class Meta:
        verbose_name = _("service rate")
        verbose_name_plural = _("service rates")
        ordering = ["service", "country", "max_weight_grams"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "country", "max_weight_grams"], name="fulfillment_rate_service_country_weight_uniq"
            ),
            models.CheckConstraint(condition=models.Q(price__gte=Decimal("0")), name="fulfillment_rate_price_gte_0"),
            models.CheckConstraint(condition=models.Q(max_weight_grams__gte=1), name="fulfillment_rate_weight_gte_1"),
        ]

    def __str__(self) -> str:
        return f"{self.country or '*'} ≤ {self.max_weight_grams} g: {self.price} {self.currency}"
