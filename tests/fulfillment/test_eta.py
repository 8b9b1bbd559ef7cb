"""Expected delivery dates over weekends, Saturdays and regional holidays, with fixed dates."""

from __future__ import annotations

import datetime

import pytest

from fulfillment import eta
from fulfillment.regions import Region, german_state, region_of

BERLIN = region_of(country="DE", postcode="10115")
MUNICH = region_of(country="DE", postcode="80331")
DRESDEN = region_of(country="DE", postcode="01067")


def test_postcodes_name_their_federal_state():
    assert (german_state("80331"), german_state("10115"), german_state("01067"), german_state("50667")) == (
        "BY",
        "BE",
        "SN",
        "NW",
    )
    assert german_state("8033") == "" and german_state("ABCDE") == ""
    assert region_of(country="AT", postcode="1010") == Region("AT")


def test_a_parcel_shipped_on_friday_arrives_on_monday_with_a_carrier_that_does_not_deliver_on_saturday():
    estimate = eta.delivery_date(
        ship_date=datetime.date(2026, 12, 4),  # Friday
        transit_days=1,
        delivery_weekdays=eta.WEEKDAYS,
        origin=BERLIN,
        destination=BERLIN,
    )
    assert estimate.date == datetime.date(2026, 12, 7)
    assert [s.day for s in estimate.skipped] == [datetime.date(2026, 12, 5), datetime.date(2026, 12, 6)]


def test_the_same_parcel_arrives_on_saturday_with_a_carrier_that_delivers_on_saturdays():
    estimate = eta.delivery_date(
        ship_date=datetime.date(2026, 12, 4),
        transit_days=1,
        delivery_weekdays=eta.WEEKDAYS_AND_SATURDAY,
        origin=BERLIN,
        destination=BERLIN,
    )
    assert estimate.date == datetime.date(2026, 12, 5)


def test_corpus_christi_delays_a_parcel_to_munich_and_not_one_to_berlin():
    # Wednesday 3 June 2026; Thursday 4 June is Corpus Christi in Bavaria, a working day in Berlin.
    kwargs = {"ship_date": datetime.date(2026, 6, 3), "transit_days": 1, "delivery_weekdays": eta.WEEKDAYS}
    to_munich = eta.delivery_date(origin=BERLIN, destination=MUNICH, **kwargs)
    to_berlin = eta.delivery_date(origin=BERLIN, destination=BERLIN, **kwargs)
    assert to_munich.date == datetime.date(2026, 6, 5)
    assert to_munich.skipped[0].why == "Corpus Christi (DE-BY)"
    assert to_berlin.date == datetime.date(2026, 6, 4)


def test_a_holiday_at_the_origin_holds_the_parcel_on_its_first_day_only():
    # Wednesday 18 November 2026 is the Day of Repentance in Saxony only: a parcel leaving Dresden
    # on Tuesday waits a day; one already under way to Dresden on that day does not.
    leaving = eta.delivery_date(
        ship_date=datetime.date(2026, 11, 17),
        transit_days=1,
        delivery_weekdays=eta.WEEKDAYS,
        origin=DRESDEN,
        destination=BERLIN,
    )
    assert leaving.date == datetime.date(2026, 11, 19)
    arriving = eta.delivery_date(
        ship_date=datetime.date(2026, 11, 16),
        transit_days=2,
        delivery_weekdays=eta.WEEKDAYS,
        origin=BERLIN,
        destination=BERLIN,
    )
    assert arriving.date == datetime.date(2026, 11, 18)


def test_christmas_and_a_weekend_together():
    # Wednesday 23 December 2026, two days: 24th counts, 25th/26th are holidays, 27th a Sunday.
    estimate = eta.delivery_date(
        ship_date=datetime.date(2026, 12, 23),
        transit_days=2,
        delivery_weekdays=eta.WEEKDAYS_AND_SATURDAY,
        origin=BERLIN,
        destination=MUNICH,
    )
    assert estimate.date == datetime.date(2026, 12, 28)


def test_tracking_events_move_the_estimate():
    monday = datetime.date(2026, 12, 7)
    common = {"delivery_weekdays": eta.WEEKDAYS, "destination": BERLIN}
    assert eta.after_event(monday, status="out_for_delivery", on=datetime.date(2026, 12, 4), **common) == datetime.date(
        2026, 12, 4
    )
    # An exception on Friday: not before the next delivery day after the estimate.
    assert eta.after_event(monday, status="exception", on=datetime.date(2026, 12, 4), **common) == datetime.date(
        2026, 12, 8
    )
    # An estimate that has passed while the parcel is still in transit moves to the next delivery day.
    assert (
        eta.after_event(datetime.date(2026, 12, 3), status="in_transit", on=datetime.date(2026, 12, 4), **common)
        == monday
    )
    assert eta.after_event(monday, status="in_transit", on=datetime.date(2026, 12, 4), **common) == monday
    assert eta.after_event(monday, status="returned_to_sender", on=monday, **common) is None
    carrier_says = datetime.date(2026, 12, 9)
    assert (
        eta.after_event(monday, status="in_transit", on=monday, carrier_estimate=carrier_says, **common) == carrier_says
    )


def test_transit_days_out_of_range_are_refused():
    with pytest.raises(ValueError):
        eta.delivery_date(
            ship_date=datetime.date(2026, 12, 4),
            transit_days=-1,
            delivery_weekdays=eta.WEEKDAYS,
            origin=BERLIN,
            destination=BERLIN,
        )
