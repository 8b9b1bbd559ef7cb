"""Returns and satisfaction against a hand computation: return rates by product, category,
channel and reason, the money paid back and the time from declaration to refund, ratings and
comments; kept current past the watermark; the drill-down and the CSV of each table.

The seeded orders (Berlin time), both placed Sat 28 February 12:00 by card, shipped then and
delivered Mon 2 March 12:00:
- X: 2 SHIRT at 29.90 (category "Shirts") + 1 JEANS at 89.00. Return R1 of 1 SHIRT ("does not
  fit"), declared Thu 5 March 12:00, received resellable and refunded Mon 9 March 10:00: 29.90
  paid back, 3 days 22 hours after the declaration. Rated 5 stars, "Schnell geliefert".
- Y: 1 JEANS at 89.00. Return R2 of that JEANS ("wrong item"), declared 5 March 12:00, approved,
  not yet in the warehouse. Rated 2 stars, "Falscher Artikel".
- Z: 1 SHIRT at 29.90, return R3 asked and cancelled by the customer: no return.
Shipped units 2 + 1 + 1 + 1 = 5; received back 1: return rate 20.0 %.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from inventory.models import Category, Product
from orders.services.portal import rate_order
from reporting.models import ReturnFact
from reporting.selectors.filters import ReportFilters
from reporting.selectors.returns import returns_report
from reporting.services.rollups import rebuild_rollups, refresh_rollups
from returns.models import Condition, ReturnReason
from returns.services.receiving import receive_unit
from returns.services.requests import cancel_return, create_return
from tests.reporting.world import at, snapshot
from tests.returns.receiving_data import delivered_order, returns_bin

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

RANGE = {"date_from": "2026-02-01", "date_to": "2026-03-31"}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _filters() -> ReportFilters:
    return ReportFilters(start=datetime.date(2026, 2, 1), end=datetime.date(2026, 3, 31))


def _ask(order, units: dict[str, int], reason: str):
    lines = {order.lines.get(sku=sku).pk: q for sku, q in units.items()}
    with time_machine.travel(at("2026-03-05 12:00"), tick=False):
        return create_return(order, lines, reason, by=None, actor_label="portal")


@pytest.fixture
def seeded(warehouse_user, django_capture_on_commit_callbacks):
    x = delivered_order({"SHIRT": (2, "29.90"), "JEANS": (1, "89.00")})
    y = delivered_order({"JEANS": (1, "89.00")})
    z = delivered_order({"SHIRT": (1, "29.90")})
    shirts = Category.objects.create(name="Shirts", slug="shirts")
    Product.objects.filter(sku="SHIRT").update(category=shirts)
    with time_machine.travel(at("2026-03-04 08:00"), tick=False):
        rebuild_rollups()  # before any return or rating: the refresh must bring them in
    r1 = _ask(x, {"SHIRT": 1}, ReturnReason.DOES_NOT_FIT)
    r2 = _ask(y, {"JEANS": 1}, ReturnReason.WRONG_ITEM)
    r3 = _ask(z, {"SHIRT": 1}, ReturnReason.CHANGED_MIND)
    with time_machine.travel(at("2026-03-05 13:00"), tick=False):
        cancel_return(r3, by=None, reason="kept it", actor_label="portal")
        rate_order(order=x, stars=5, comment="Schnell geliefert")
        rate_order(order=y, stars=2, comment="Falscher Artikel")
    with time_machine.travel(at("2026-03-09 10:00"), tick=False), django_capture_on_commit_callbacks(execute=True):
        # The only unit asked back: receiving it finishes the inspection, and the refund follows.
        receive_unit(r1, code="SHIRT", condition=Condition.RESELLABLE, bin=returns_bin(), user=warehouse_user)
    for moment in ("2026-03-05 12:30", "2026-03-06 12:00", "2026-03-09 12:00"):
        with time_machine.travel(at(moment), tick=False):
            while refresh_rollups().more:
                pass
    return {"x": x, "y": y, "z": z, "r1": r1, "r2": r2, "r3": r3}


def test_return_rates_refunds_and_ratings_to_the_cent_and_the_second(seeded):
    report = returns_report(_filters())
    assert (report.shipped, report.returned, report.rate) == (5, 1, Decimal("20.0"))
    assert (report.returns, report.refunds, report.refunded) == (2, 1, Decimal("29.90"))
    # 5 March 12:00 → 9 March 10:00 = 3 days 22 hours; the only refund, so median = p90.
    assert report.refund_median == report.refund_p90 == 3 * 86400 + 22 * 3600
    assert {(r.key, r.shipped, r.returned, r.rate) for r in report.products} == {
        ("SHIRT", 3, 1, Decimal("33.3")),
        ("JEANS", 2, 0, Decimal("0.0")),
    }
    assert [(r.label, r.shipped, r.returned) for r in report.categories] == [("Shirts", 3, 1), ("No category", 2, 0)]
    assert [(r.key, r.rate) for r in report.channels] == [("web", Decimal("20.0"))]
    reasons = {r.reason: (r.returns, r.units, r.share, r.refunded) for r in report.reasons}
    assert reasons == {
        "does_not_fit": (1, 1, Decimal("50.0"), Decimal("29.90")),
        "wrong_item": (1, 1, Decimal("50.0"), Decimal("0.00")),
    }
    assert (report.ratings, report.average_rating) == (2, Decimal("3.50"))
    assert report.stars == [(5, 1), (4, 0), (3, 0), (2, 1), (1, 0)]
    assert [(c.order_number, c.stars, c.comment) for c in report.comments] == [
        (seeded["y"].number, 2, "Falscher Artikel"),
        (seeded["x"].number, 5, "Schnell geliefert"),
    ]
    # Orders placed in March only: none of them.
    march = ReportFilters(start=datetime.date(2026, 3, 1), end=datetime.date(2026, 3, 31))
    assert returns_report(march).returns == 0 and returns_report(march).rate is None


def test_the_refresh_past_the_watermark_equals_a_rebuild(seeded):
    fact = ReturnFact.objects.get(return_request_id=seeded["r1"].pk)
    assert (fact.state, fact.units_received, fact.refunded, fact.credited) == (
        "refunded",
        1,
        Decimal("29.90"),
        Decimal("29.90"),
    )
    incremental = snapshot()
    with time_machine.travel(at("2026-03-09 12:00"), tick=False):
        rebuild_rollups()
    assert snapshot() == incremental


def test_dashboard_section_drill_down_and_csv(manager_client, seeded):
    with time_machine.travel(at("2026-03-10 09:00"), tick=True):
        html = manager_client.get(reverse("reporting:dashboard"), RANGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Returns and satisfaction" in html and "Units received back per unit shipped" in html
    assert "Schnell geliefert" in html and 'id="reasons-chart"' in html
    url = reverse("reporting:order-list")
    returned = manager_client.get(url, {"measure": "returned"}).content.decode()
    assert seeded["x"].number in returned and seeded["y"].number in returned
    assert seeded["z"].number not in returned  # its only request was cancelled
    wrong = manager_client.get(url, {"measure": "returned", "reason": "wrong_item"}).content.decode()
    assert seeded["y"].number in wrong and seeded["x"].number not in wrong
    shirts = manager_client.get(url, {"measure": "returned", "sku": "SHIRT"}).content.decode()
    assert seeded["x"].number in shirts and seeded["y"].number not in shirts
    low = manager_client.get(url, {"measure": "low_rated"}).content.decode()
    assert seeded["y"].number in low and seeded["x"].number not in low

    def csv(table: str) -> list[str]:
        response = manager_client.get(
            reverse("reporting:dashboard-csv", args=[table]), RANGE, HTTP_ACCEPT_LANGUAGE="en"
        )
        assert response.status_code == 200 and response.streaming
        return b"".join(response.streaming_content).decode("utf-8-sig").splitlines()

    products = csv("return-products")
    assert products[1].startswith("SHIRT ") and products[1].endswith(";3;1;33,3")
    assert "Does not fit;1;1;50,0;29,90" in csv("return-reasons")
    assert csv("return-categories")[1] == "Shirts;3;1;33,3"
    assert csv("ratings")[1:] == ["5;1", "4;0", "3;0", "2;1", "1;0"]
