"""Plausible places for demo and load data: a postcode that lies in its town's postal region.

Germany's five-digit postcodes start with the two digits of a postal region (Leitregion), each
served by a main town; Austria's four-digit codes start with the digit of a region (1 Vienna,
8 Styria, ...). ``draw_place`` picks a country by the weights a German shop sees, then a region,
then a postcode inside it, so a million customers live at tens of thousands of distinct postcodes
that group sensibly by region (reports break figures down by the first digits), instead of a
handful of city centres. The postcodes are plausible, not a register: ``10742 Berlin`` may not be
delivered to in real life, but it is where a Berlin address would be.
"""

from __future__ import annotations

import random
from typing import NamedTuple


class Place(NamedTuple):
    postcode: str
    city: str
    country: str


# Postal region (first two digits) -> its main town. 05, 11, 43 and 62 are not in use.
GERMAN_REGIONS: dict[str, str] = {
    "01": "Dresden", "02": "Bautzen", "03": "Cottbus", "04": "Leipzig", "06": "Halle (Saale)", "07": "Jena",
    "08": "Zwickau", "09": "Chemnitz", "10": "Berlin", "12": "Berlin", "13": "Berlin", "14": "Potsdam",
    "15": "Frankfurt (Oder)", "16": "Oranienburg", "17": "Neubrandenburg", "18": "Rostock", "19": "Schwerin",
    "20": "Hamburg", "21": "Lüneburg", "22": "Hamburg", "23": "Lübeck", "24": "Kiel", "25": "Itzehoe",
    "26": "Oldenburg", "27": "Bremerhaven", "28": "Bremen", "29": "Celle", "30": "Hannover", "31": "Hildesheim",
    "32": "Herford", "33": "Bielefeld", "34": "Kassel", "35": "Gießen", "36": "Fulda", "37": "Göttingen",
    "38": "Braunschweig", "39": "Magdeburg", "40": "Düsseldorf", "41": "Mönchengladbach", "42": "Wuppertal",
    "44": "Dortmund", "45": "Essen", "46": "Oberhausen", "47": "Duisburg", "48": "Münster", "49": "Osnabrück",
    "50": "Köln", "51": "Köln", "52": "Aachen", "53": "Bonn", "54": "Trier", "55": "Mainz", "56": "Koblenz",
    "57": "Siegen", "58": "Hagen", "59": "Hamm", "60": "Frankfurt am Main", "61": "Bad Homburg vor der Höhe",
    "63": "Offenbach am Main", "64": "Darmstadt", "65": "Wiesbaden", "66": "Saarbrücken",
    "67": "Ludwigshafen am Rhein", "68": "Mannheim", "69": "Heidelberg", "70": "Stuttgart", "71": "Ludwigsburg",
    "72": "Tübingen", "73": "Esslingen am Neckar", "74": "Heilbronn", "75": "Pforzheim", "76": "Karlsruhe",
    "77": "Offenburg", "78": "Konstanz", "79": "Freiburg im Breisgau", "80": "München", "81": "München",
    "82": "Starnberg", "83": "Rosenheim", "84": "Landshut", "85": "Ingolstadt", "86": "Augsburg",
    "87": "Kempten (Allgäu)", "88": "Ravensburg", "89": "Ulm", "90": "Nürnberg", "91": "Erlangen", "92": "Amberg",
    "93": "Regensburg", "94": "Passau", "95": "Bayreuth", "96": "Bamberg", "97": "Würzburg", "98": "Suhl",
    "99": "Erfurt",
}  # fmt: skip

# Austrian towns with their own postcodes; Vienna's districts are 1010 ... 1230.
AUSTRIAN_TOWNS: tuple[tuple[str, str], ...] = (
    *((f"1{district:02d}0", "Wien") for district in range(1, 24)),
    ("2100", "Korneuburg"), ("2320", "Schwechat"), ("2340", "Mödling"), ("2500", "Baden"),
    ("2700", "Wiener Neustadt"), ("3100", "St. Pölten"), ("3300", "Amstetten"), ("3500", "Krems an der Donau"),
    ("4020", "Linz"), ("4030", "Linz"), ("4040", "Linz"), ("4400", "Steyr"), ("4600", "Wels"), ("4810", "Gmunden"),
    ("4840", "Vöcklabruck"), ("5020", "Salzburg"), ("5023", "Salzburg"), ("5026", "Salzburg"), ("5400", "Hallein"),
    ("5700", "Zell am See"), ("6020", "Innsbruck"), ("6330", "Kufstein"), ("6460", "Imst"), ("6800", "Feldkirch"),
    ("6850", "Dornbirn"), ("6900", "Bregenz"), ("7000", "Eisenstadt"), ("8010", "Graz"), ("8020", "Graz"),
    ("8036", "Graz"), ("8045", "Graz"), ("8053", "Graz"), ("8230", "Hartberg"), ("8580", "Köflach"), ("8700", "Leoben"),
    ("9020", "Klagenfurt am Wörthersee"), ("9500", "Villach"), ("9900", "Lienz"),
)  # fmt: skip

# A few customers from elsewhere in the EU and from Switzerland (an export outside the EU).
OTHER_PLACES: tuple[Place, ...] = (
    Place("1012 AB", "Amsterdam", "NL"), Place("5911 KA", "Venlo", "NL"), Place("00-001", "Warszawa", "PL"),
    Place("75001", "Paris", "FR"), Place("1000", "Bruxelles", "BE"), Place("1050", "København K", "DK"),
    Place("8001", "Zürich", "CH"), Place("3011", "Bern", "CH"),
)  # fmt: skip

# Share of customers per country, as a German shop with an Austrian audience sees them.
COUNTRY_WEIGHTS = (("DE", 0.84), ("AT", 0.11), ("other", 0.05))

_REGIONS = tuple(GERMAN_REGIONS.items())


def german_place(rnd: random.Random) -> Place:
    region, town = rnd.choice(_REGIONS)
    # 100 ... 999 within the region: the lowest codes of a region are mostly post-office boxes.
    return Place(f"{region}{rnd.randrange(100, 1000):03d}", town, "DE")


def austrian_place(rnd: random.Random) -> Place:
    postcode, town = rnd.choice(AUSTRIAN_TOWNS)
    return Place(postcode, town, "AT")


def draw_place(rnd: random.Random) -> Place:
    """One customer's place: mostly Germany, some Austria, a few elsewhere (see the weights)."""
    roll = rnd.random()
    if roll < COUNTRY_WEIGHTS[0][1]:
        return german_place(rnd)
    if roll < COUNTRY_WEIGHTS[0][1] + COUNTRY_WEIGHTS[1][1]:
        return austrian_place(rnd)
    return rnd.choice(OTHER_PLACES)
