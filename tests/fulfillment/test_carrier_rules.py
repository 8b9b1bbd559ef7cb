"""The rules behind the carrier integrations: numbers in each carrier's format with their check
digits, the routing code, barcodes, and the policy that chooses a service and says why."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from fulfillment.barcodes import code128_modules, code128_svg
from fulfillment.carriers import UnknownIntegrationError, integration_class
from fulfillment.carriers.choice import ServiceOption, choose_service
from fulfillment.carriers.numbers import FORMATS, leitcode, mod10_31, ups_check
from fulfillment.eta import WEEKDAYS, WEEKDAYS_AND_SATURDAY
from fulfillment.regions import region_of
from oms.texts import render


def test_published_examples_of_the_check_digit_schemes_validate():
    # UPS's own example number, and the 20-digit DHL number the carriers' documentation shows.
    assert ups_check("999AA1012345678") == 4 and FORMATS["ups"].is_valid("1Z 999 AA1 0123 4567 84")
    assert mod10_31("0034043383644263659") == 7 and FORMATS["dhl-paket"].is_valid("00340433836442636597")
    assert not FORMATS["dhl-paket"].is_valid("00340433836442636598")


@pytest.mark.parametrize("code", sorted(FORMATS))
def test_every_format_makes_valid_numbers_and_refuses_a_changed_digit(code):
    fmt = FORMATS[code]
    numbers = {fmt.make(serial, account="A1B2C3") for serial in (1, 2, 99, 123456)}
    assert len(numbers) == 4 and all(fmt.is_valid(n) for n in numbers)
    number = fmt.make(42)
    changed = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert not fmt.is_valid(changed)


def test_the_routing_code_carries_the_postcode_and_house_number_and_its_check_digit():
    code = leitcode(postcode="80331", street="Marienplatz 8")
    assert len(code) == 14 and code.startswith("80331") and code[8:11] == "008"
    assert code == leitcode(postcode="80331", street="Marienplatz 8")  # stable


def test_a_code_128_barcode_is_plain_rectangles_without_inline_styles():
    svg = str(code128_svg("00340434000000000017"))
    assert svg.startswith("<svg") and "<rect" in svg and "style=" not in svg
    modules = code128_modules("00340434000000000017")
    assert modules.startswith("11010011100") and modules.endswith("1100011101011")  # start C, stop
    assert svg.count("<rect") == modules.count("01") + (modules[0] == "1")


def test_an_integration_path_that_is_no_integration_is_refused():
    with pytest.raises(UnknownIntegrationError):
        integration_class("fulfillment.carriers.numbers.normalise")
    with pytest.raises(UnknownIntegrationError):
        integration_class("fulfillment.carriers.nothing.Here")


def _option(name: str, *, weekdays=WEEKDAYS, days=1, price="5.00", limit=31_500, countries=("DE",)) -> ServiceOption:
    carrier, service = name.split()
    return ServiceOption(
        key=name,
        carrier=carrier,
        service=service,
        countries=frozenset(countries),
        max_weight_grams=limit,
        transit_days={c: days for c in countries},
        delivery_weekdays=frozenset(weekdays),
        cost_table={"*": [[limit, price]]},
    )


BERLIN = region_of(country="DE", postcode="10115")
FRIDAY = datetime.date(2026, 12, 4)


def test_the_policy_takes_the_cheapest_service_and_says_why():
    choice = choose_service(
        [_option("DPD Classic", price="4.05"), _option("DHL Paket", price="4.19", weekdays=WEEKDAYS_AND_SATURDAY)],
        destination=BERLIN,
        origin=BERLIN,
        weight_grams=1200,
        ship_date=FRIDAY,
    )
    assert choice.option.key == "DPD Classic" and choice.cost == Decimal("4.05")
    assert choice.estimate.date == datetime.date(2026, 12, 7)
    assert "DPD Classic" in render(choice.reason) and "4.05" in render(choice.reason)


def test_a_promised_date_makes_the_policy_pay_for_a_saturday_delivery():
    choice = choose_service(
        [_option("DPD Classic", price="4.05"), _option("DHL Paket", price="4.19", weekdays=WEEKDAYS_AND_SATURDAY)],
        destination=BERLIN,
        origin=BERLIN,
        weight_grams=1200,
        ship_date=FRIDAY,
        deliver_by=datetime.date(2026, 12, 5),
    )
    assert choice.option.key == "DHL Paket" and choice.meets_promise
    [(rejected, why)] = choice.rejected
    assert rejected.key == "DPD Classic" and "2026-12-07" in render(why)


def test_weight_and_destination_rule_services_out_and_no_service_is_a_clear_answer():
    options = [
        _option("Hermes Paket", limit=25_000),
        _option("UPS Standard", limit=70_000, price="9.90", countries=("DE", "US")),
    ]
    heavy = choose_service(options, destination=BERLIN, origin=BERLIN, weight_grams=30_000, ship_date=FRIDAY)
    assert heavy.option.key == "UPS Standard"
    assert "25000" in render(heavy.rejected[0][1])
    nowhere = choose_service(
        options, destination=region_of(country="JP"), origin=BERLIN, weight_grams=1000, ship_date=FRIDAY
    )
    assert not nowhere.chosen and "JP" in render(nowhere.reason)


def test_when_no_service_keeps_the_promise_the_fastest_is_chosen_and_the_reason_says_so():
    choice = choose_service(
        [_option("GLS Business", days=2, price="4.29"), _option("UPS Express", days=1, price="14.90")],
        destination=BERLIN,
        origin=BERLIN,
        weight_grams=1000,
        ship_date=FRIDAY,
        deliver_by=datetime.date(2026, 12, 5),
    )
    assert choice.option.key == "UPS Express" and not choice.meets_promise
    assert "2026-12-05" in render(choice.reason)
