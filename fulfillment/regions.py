"""Where an address is, as far as public holidays care: its country and, in Germany, its federal
state, and the public holidays of that place.

The German federal state comes from the postcode through ``plz-to-bundesland`` (a table of
postcode ranges shipped inside the package: nothing is downloaded at run time). A few postcodes
straddle a state border; the table gives the state of most of the range, which is right for
almost every address and never worse than knowing no state at all. The holidays come from the
``holidays`` package, which takes the state as a subdivision (Bavaria's Corpus Christi, Saxony's
Day of Repentance, Berlin's Women's Day).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from functools import lru_cache

import holidays
from plz_to_bundesland import get_bundesland

# The package names states in German; ``holidays`` wants their ISO 3166-2 codes.
STATE_CODES = {
    "Baden-Württemberg": "BW",
    "Bayern": "BY",
    "Berlin": "BE",
    "Brandenburg": "BB",
    "Bremen": "HB",
    "Hamburg": "HH",
    "Hessen": "HE",
    "Mecklenburg-Vorpommern": "MV",
    "Niedersachsen": "NI",
    "Nordrhein-Westfalen": "NW",
    "Rheinland-Pfalz": "RP",
    "Saarland": "SL",
    "Sachsen": "SN",
    "Sachsen-Anhalt": "ST",
    "Schleswig-Holstein": "SH",
    "Thüringen": "TH",
}


@dataclass(frozen=True)
class Region:
    """A country and, where known, its subdivision (``BY``), as ``holidays`` names them."""

    country: str
    subdivision: str = ""

    def __str__(self) -> str:
        return f"{self.country}-{self.subdivision}" if self.subdivision else self.country


def german_state(postcode: str) -> str:
    """The ISO code of the German federal state of ``postcode`` ("" when it is no German postcode)."""
    digits = (postcode or "").strip()
    if not re.fullmatch(r"\d{5}", digits):
        return ""
    return STATE_CODES.get(get_bundesland(digits), "")


def region_of(*, country: str, postcode: str = "") -> Region:
    country = (country or "").upper()
    return Region(country, german_state(postcode) if country == "DE" else "")


@lru_cache(maxsize=256)
def public_holidays(region: Region, year: int) -> frozenset[datetime.date]:
    """The public holidays of ``region`` in ``year``, regional ones included; a country the
    package does not know has none (weekends still count)."""
    try:
        return frozenset(holidays.country_holidays(region.country, subdiv=region.subdivision or None, years=year))
    except NotImplementedError:
        return frozenset()


def is_public_holiday(day: datetime.date, region: Region) -> bool:
    return day in public_holidays(region, day.year)


def holiday_name(day: datetime.date, region: Region) -> str:
    """The holiday's name (English, as the package gives it), "" on an ordinary day."""
    try:
        names = holidays.country_holidays(region.country, subdiv=region.subdivision or None, years=day.year)
    except NotImplementedError:
        return ""
    return str(names.get(day, ""))
