"""The warehouse home's board: shipments to pick, pack and ship per warehouse, the time left to
today's cut-off per warehouse and carrier, refreshed in place by htmx polling."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from fulfillment.models import Shipment
from tests.fulfillment.shipping import labelled_shipment, packed_shipment

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
# Monday 7 December 2026, 11:30 in Berlin: two and a half hours before the 14:00 cut-off.
MONDAY_MORNING = datetime.datetime(2026, 12, 7, 11, 30, tzinfo=BERLIN)


def _cells(html: str, code: str) -> list[str]:
    row = html[html.index(f'<th scope="row">{code}</th>') :]
    return [cell.split("</strong>")[0].removeprefix("<strong>") for cell in row.split("</tr>")[0].split("<td>")[1:]]


def _cutoff(html: str, code: str) -> str:
    match = re.search(rf'<td data-cutoff="{code}">(.*?)</td>', html, re.S)
    assert match, html
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def _board(client, *, language: str = "en", htmx: bool = True) -> str:
    headers = {"HTTP_ACCEPT_LANGUAGE": language}
    if htmx:
        headers["HTTP_HX_REQUEST"] = "true"
    response = client.get(reverse("fulfillment:warehouse-board"), **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_the_board_counts_the_shipments_waiting_to_ship(warehouse_client):
    shipment = packed_shipment()
    html = warehouse_client.get(reverse("warehouse-home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Fulfilment board" in html
    assert _cells(html, shipment.warehouse.code) == ["0", "0", "1", "0"]


def test_the_board_says_when_nothing_waits_in_german(warehouse_client):
    html = warehouse_client.get(reverse("warehouse-home"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Im Lager wartet keine Sendung." in html


def test_the_warehouse_home_polls_the_board_without_inline_script_or_style(warehouse_client, settings):
    settings.WAREHOUSE_BOARD_REFRESH_SECONDS = 20
    packed_shipment()
    html = warehouse_client.get(reverse("warehouse-home")).content.decode()
    board = html[html.index('<section id="warehouse-board"') :]
    board = board[: board.index("</section>")]
    assert f'hx-get="{reverse("fulfillment:warehouse-board")}"' in board
    assert 'hx-trigger="every 20s"' in board
    assert 'hx-target="this"' in board and 'hx-swap="outerHTML"' in board
    # A strict CSP: no inline handlers, scripts or styles in what is swapped in.
    assert "<script" not in board and "style=" not in board and "hx-on" not in board


def test_the_poll_answers_only_the_board_and_without_htmx_a_page_of_its_own(warehouse_client):
    packed_shipment()
    partial = _board(warehouse_client)
    assert partial.lstrip().startswith('<section id="warehouse-board"')
    assert "<html" not in partial and "</section>" in partial
    page = _board(warehouse_client, htmx=False)
    assert "<html" in page and '<section id="warehouse-board"' in page


def test_a_refresh_shows_what_changed_since_the_page_was_loaded(warehouse_client):
    from fulfillment.services.shipping import ship_shipment

    shipment = labelled_shipment()
    assert _cells(_board(warehouse_client), shipment.warehouse.code) == ["0", "0", "1", "0"]
    ship_shipment(shipment=shipment)
    assert "No shipment is waiting in the warehouse." in _board(warehouse_client)


def test_the_board_shows_the_time_left_to_the_cut_off_per_warehouse_and_carrier(warehouse_client):
    with time_machine.travel(MONDAY_MORNING - datetime.timedelta(hours=2), tick=False):
        dhl = packed_shipment()
        gls = packed_shipment(carrier="gls", service_code="business")
    assert dhl.promised_ship_date == MONDAY_MORNING.date()
    with time_machine.travel(MONDAY_MORNING, tick=False):
        html = _board(warehouse_client)
    code = dhl.warehouse.code
    assert _cutoff(html, code) == "14:00: 2 h 30 min left"
    rows = dict(re.findall(r'<tr data-due="([^"]+)">(.*?)</tr>', html, re.S))
    assert set(rows) == {f"{code}/DHL Paket", f"{code}/GLS"}
    for carrier in ("DHL Paket", "GLS"):
        cells = [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<td[^>]*>(.*?)</td>", rows[f"{code}/{carrier}"], re.S)
        ]
        assert cells[1:] == ["1", "1", "14:00: 2 h 30 min left"]
    assert gls.carrier_service.carrier.name == "GLS"


def test_the_last_hour_is_marked_and_a_passed_cut_off_says_so_in_german(warehouse_client):
    with time_machine.travel(MONDAY_MORNING, tick=False):
        shipment = packed_shipment()
    code = shipment.warehouse.code
    with time_machine.travel(MONDAY_MORNING.replace(hour=13, minute=15), tick=False):
        html = _board(warehouse_client)
    assert "<mark>14:00: 0 h 45 min left</mark>" in html
    with time_machine.travel(MONDAY_MORNING.replace(hour=15), tick=False):
        html = _board(warehouse_client, language="de")
    assert _cutoff(html, code) == "um 14:00 verstrichen"


def test_a_weekend_has_no_cut_off_and_a_later_promise_is_not_due_today(warehouse_client):
    friday_evening = datetime.datetime(2026, 12, 4, 18, 0, tzinfo=BERLIN)
    with time_machine.travel(friday_evening, tick=False):
        shipment = packed_shipment()
    assert shipment.promised_ship_date == datetime.date(2026, 12, 7)  # allocated after the cut-off
    with time_machine.travel(friday_evening + datetime.timedelta(days=1), tick=False):
        html = _board(warehouse_client)
    assert _cutoff(html, shipment.warehouse.code) == "no handover today"
    assert "data-due=" not in html  # promised for Monday: nothing is due on Saturday


def test_the_board_reads_in_a_fixed_number_of_queries(warehouse_client, django_assert_max_num_queries):
    packed_shipment()
    _board(warehouse_client)
    for _ in range(3):
        packed_shipment(carrier="dpd", service_code="classic")
    assert Shipment.objects.count() == 4
    with django_assert_max_num_queries(12):
        _board(warehouse_client)


def test_only_the_warehouse_sees_the_board(support_client):
    response = support_client.get(reverse("fulfillment:warehouse-board"))
    assert response.status_code in (302, 403)


def test_a_carrier_that_collects_earlier_shows_its_own_cut_off_and_comes_first(warehouse_client):
    with time_machine.travel(MONDAY_MORNING - datetime.timedelta(hours=2), tick=False):
        dhl = packed_shipment()
        gls = packed_shipment(carrier="gls", service_code="business")
    carrier = gls.carrier_service.carrier
    carrier.pickup_cutoff = datetime.time(12, 0)
    carrier.save(update_fields=["pickup_cutoff"])
    code = dhl.warehouse.code

    with time_machine.travel(MONDAY_MORNING, tick=False):
        html = _board(warehouse_client)

    assert _cutoff(html, code) == "14:00: 2 h 30 min left"  # the warehouse's own stays
    due = re.findall(r'<td data-carrier-cutoff="([^"]+)">(.*?)</td>', html, re.S)
    assert [(key, " ".join(re.sub(r"<[^>]+>", "", cell).split())) for key, cell in due] == [
        (f"{code}/GLS", "12:00: 0 h 30 min left carrier's pickup"),
        (f"{code}/DHL Paket", "14:00: 2 h 30 min left"),
    ]
    assert "<mark>12:00: 0 h 30 min left</mark>" in html  # its last hour
    with time_machine.travel(MONDAY_MORNING.replace(hour=12, minute=30), tick=False):
        html = _board(warehouse_client, language="de")
    assert "um 12:00 verstrichen" in html and "Abholung des Versanddienstleisters" in html
