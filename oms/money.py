"""Money: Decimal amounts with an explicit currency, rounded half-up to the currency's minor unit.

Never ``float``, never the built-in ``round()`` (banker's rounding). Totals are computed from
lines by services and stored; this module only knows arithmetic.
"""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# Currencies we take orders in; all have two minor digits.
SUPPORTED_CURRENCIES: dict[str, str] = {
    "EUR": _("Euro"),
    "CHF": _("Swiss franc"),
    "GBP": _("Pound sterling"),
    "PLN": _("Polish złoty"),
    "CZK": _("Czech koruna"),
    "DKK": _("Danish krone"),
    "SEK": _("Swedish krona"),
}
CURRENCY_CHOICES = [(code, f"{code} - {name}") for code, name in SUPPORTED_CURRENCIES.items()]

# German VAT rates (UStG §12): standard, reduced, zero. The rate is stored on each order line.
VAT_RATES = {"standard": Decimal("19.00"), "reduced": Decimal("7.00"), "zero": Decimal("0.00")}


def quantize(amount: Decimal | int | str) -> Decimal:
    """Round to the cent, half-up (the commercial rounding customers and tax offices expect)."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def quantize_up(amount: Decimal | int | str) -> Decimal:
    """Round up to the cent: for a unit price derived from a line amount (amount / quantity), so
    that ``unit price x quantity`` never falls short of the amount and a discount takes up the rest."""
    return Decimal(amount).quantize(CENT, rounding=ROUND_CEILING)


def gross_from_net(net: Decimal, rate_percent: Decimal) -> Decimal:
    return quantize(net * (1 + rate_percent / 100))


def net_from_gross(gross: Decimal, rate_percent: Decimal) -> Decimal:
    return quantize(gross / (1 + rate_percent / 100))


def vat_in_gross(gross: Decimal, rate_percent: Decimal) -> Decimal:
    """The VAT contained in a gross amount, rounded once for the whole amount."""
    return quantize(gross - gross / (1 + rate_percent / 100))


def vat_on_net(net: Decimal, rate_percent: Decimal) -> Decimal:
    return quantize(net * rate_percent / 100)


# One separator followed by exactly three digits: a thousands group or three decimals.
_THOUSANDS_GROUP = re.compile(r"^-?\d{1,3}[.,]\d{3}$")


class AmbiguousAmountError(ValueError):
    """``1.299`` or ``2,500``: a German spreadsheet's thousands group or an English decimal point."""

    def __init__(self, text: str):
        super().__init__(text)
        self.text = text

    @property
    def message(self) -> str:
        return _(
            "“%(value)s” is ambiguous (thousands separator or decimal point?); "
            "write it with decimals, such as 1.299,00 or 1,30."
        ) % {"value": self.text}


def parse_amount_text(text: str) -> Decimal:
    """A number as people and spreadsheets write it: ``19.99``, ``19,99``, ``1.299,00``,
    ``1,299.00``, ``1 299,00 €``. With both separators the last one is the decimal point.

    Raises ``AmbiguousAmountError`` for ``1.299``/``2,500`` (never guessed) and
    ``decimal.InvalidOperation`` for anything else that is not a number.
    """
    raw = text.replace("€", "").replace(" ", "").replace("\u00a0", "").strip()
    if "," in raw and "." in raw:
        decimal_point = "," if raw.rfind(",") > raw.rfind(".") else "."
        raw = raw.replace("." if decimal_point == "," else ",", "").replace(",", ".")
    elif _THOUSANDS_GROUP.match(raw):
        raise AmbiguousAmountError(text.strip())
    else:
        raw = raw.replace(",", ".")
    return Decimal(raw)


def is_supported_currency(code: str) -> bool:
    return code in SUPPORTED_CURRENCIES


def format_rate(rate_percent: Decimal | int | str) -> str:
    """A VAT rate for people, in the active language's number format: ``19``, ``7``, ``5,5``
    (German) or ``5.5`` (English); never ``19.00``."""
    rate = Decimal(str(rate_percent))
    rate = rate.quantize(Decimal(1)) if rate == rate.to_integral_value() else rate.normalize()
    return number_format(rate)


# VAT rates of the EU member states (percent) as data: the standard rate and the main reduced
# rate of each, for VAT by destination (OSS) and for intake. A product's German class (standard,
# reduced, zero) is charged at the destination's rate of the same class; a country without a
# reduced rate charges its standard rate. Keep in step with the EU's "VAT rates" table.
EU_VAT_RATES: dict[str, dict[str, Decimal]] = {
    country: {"standard": Decimal(standard), "reduced": Decimal(reduced), "zero": Decimal("0.00")}
    for country, standard, reduced in (
        ("AT", "20.00", "10.00"),
        ("BE", "21.00", "6.00"),
        ("BG", "20.00", "9.00"),
        ("CY", "19.00", "5.00"),
        ("CZ", "21.00", "12.00"),
        ("DE", "19.00", "7.00"),
        ("DK", "25.00", "25.00"),
        ("EE", "24.00", "9.00"),
        ("ES", "21.00", "10.00"),
        ("FI", "25.50", "14.00"),
        ("FR", "20.00", "5.50"),
        ("GR", "24.00", "13.00"),
        ("HR", "25.00", "13.00"),
        ("HU", "27.00", "5.00"),
        ("IE", "23.00", "13.50"),
        ("IT", "22.00", "10.00"),
        ("LT", "21.00", "9.00"),
        ("LU", "17.00", "8.00"),
        ("LV", "21.00", "12.00"),
        ("MT", "18.00", "7.00"),
        ("NL", "21.00", "9.00"),
        ("PL", "23.00", "8.00"),
        ("PT", "23.00", "6.00"),
        ("RO", "21.00", "11.00"),
        ("SE", "25.00", "12.00"),
        ("SI", "22.00", "9.50"),
        ("SK", "23.00", "19.00"),
    )
}
EU_COUNTRIES = frozenset(EU_VAT_RATES)


def vat_class(rate_percent: Decimal) -> str:
    """The German class (``standard``, ``reduced``, ``zero``) of a rate stored on a line."""
    rate = Decimal(rate_percent)
    for name, value in VAT_RATES.items():
        if rate == value:
            return name
    return "standard" if rate > VAT_RATES["reduced"] else ("reduced" if rate > 0 else "zero")


def destination_rate(country: str, rate_percent: Decimal) -> Decimal:
    """The rate ``country`` charges for goods of the German class of ``rate_percent``."""
    return EU_VAT_RATES[country][vat_class(rate_percent)]
