"""Demo and load data live at many plausible postcodes: each inside its town's postal region, each
one a carrier would accept, and spread over the regions a German shop delivers to."""

import random
from collections import Counter

from oms.places import AUSTRIAN_TOWNS, GERMAN_REGIONS, draw_place
from orders.countries import is_deliverable_postcode


def _places(count: int, seed: int = 7):
    rnd = random.Random(seed)
    return [draw_place(rnd) for _ in range(count)]


def test_fifty_thousand_customers_live_at_thousands_of_distinct_german_and_austrian_postcodes():
    places = _places(50_000)
    distinct = {(p.country, p.postcode) for p in places if p.country in {"DE", "AT"}}
    assert len(distinct) > 20_000
    assert {p.postcode[:2] for p in places if p.country == "DE"} == set(GERMAN_REGIONS)


def test_every_postcode_fits_its_country_and_lies_in_its_towns_region():
    austrian = dict(AUSTRIAN_TOWNS)
    for place in _places(20_000):
        assert is_deliverable_postcode(place.country, place.postcode), place
        if place.country == "DE":
            assert GERMAN_REGIONS[place.postcode[:2]] == place.city
        elif place.country == "AT":
            assert austrian[place.postcode] == place.city


def test_most_customers_are_german_some_austrian_a_few_from_elsewhere():
    countries = Counter(p.country for p in _places(20_000))
    assert 0.80 < countries["DE"] / 20_000 < 0.88
    assert 0.08 < countries["AT"] / 20_000 < 0.14
    assert {"NL", "CH", "PL", "FR"} <= set(countries)


def test_the_same_seed_gives_the_same_places():
    assert _places(100, seed=3) == _places(100, seed=3)
