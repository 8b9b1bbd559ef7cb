"""The pick screen: the next bin and item in walking order, scans counted or refused loudly, short
picks, and a cancellation while picking shown as void picks."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fulfillment.models import PickLine, PickListState
from fulfillment.services.planning import WaveRule, build_pick_list_for_order, build_wave
from orders.services.lifecycle import cancel_order
from tests.fulfillment.warehouse_data import allocated_order, channel, make_bin, make_warehouse, stock_in_bins
from tests.oms.test_translations import compiled_locale  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """Assertions read the English texts (German is checked on its own below)."""
    settings.LANGUAGE_CODE = "en"


HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "pick-work"}


@pytest.fixture
def two_line_list():
    berlin = make_warehouse()
    front, back = make_bin(berlin, "A-01-01", 10), make_bin(berlin, "B-09-01", 90)
    stock_in_bins("MUG-1", {back: 5}, gtin="4006381333931")
    stock_in_bins("TEE-1", {front: 5})
    order = allocated_order(channel(), {"MUG-1": 2, "TEE-1": 1})
    return build_pick_list_for_order(order=order, warehouse=berlin)


def _scan(client, pick_list, code, **headers):
    return client.post(
        reverse("fulfillment:warehouse-pick-scan", kwargs={"number": pick_list.number}), {"code": code}, **headers
    )


def _picked(pick_list) -> dict[str, int]:
    return {line.sku: line.quantity_picked for line in PickLine.objects.filter(pick_list=pick_list)}


def test_the_screen_shows_the_first_bin_of_the_walk_and_its_item(warehouse_client, two_line_list):
    page = warehouse_client.get(reverse("fulfillment:warehouse-pick", kwargs={"number": two_line_list.number}))

    html = page.content.decode()
    assert page.status_code == 200 and "<html" in html
    assert "<strong data-next-bin>A-01-01</strong>" in html and "<strong data-next-sku>TEE-1</strong>" in html
    assert "data-scan-field" in html and "autofocus" in html
    assert "fulfillment/scan.js" in html


def test_with_htmx_only_the_work_area_is_answered(warehouse_client, two_line_list):
    page = warehouse_client.get(reverse("fulfillment:warehouse-pick", kwargs={"number": two_line_list.number}), **HTMX)

    html = page.content.decode()
    assert html.lstrip().startswith('<div id="pick-work"') and "<html" not in html


def test_the_right_item_counts_up_and_the_next_item_follows(warehouse_client, two_line_list):
    response = _scan(warehouse_client, two_line_list, "TEE-1", **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert "TEE-1 counted: 1 of 1." in html and "scan-ok" in html
    assert "<strong data-next-bin>B-09-01</strong>" in html and "<strong data-next-sku>MUG-1</strong>" in html
    assert _picked(two_line_list) == {"TEE-1": 1, "MUG-1": 0}

    # The GTIN counts as well as the SKU; the last unit completes the list.
    _scan(warehouse_client, two_line_list, "4006381333931", **HTMX)
    done = _scan(warehouse_client, two_line_list, "mug-1", **HTMX).content.decode()
    assert "The pick list is complete" in done
    assert _picked(two_line_list) == {"TEE-1": 1, "MUG-1": 2}
    two_line_list.refresh_from_db()
    assert two_line_list.state == PickListState.COMPLETED


def test_a_wrong_item_is_refused_loudly_counts_nothing_and_keeps_the_scan_field(warehouse_client, two_line_list):
    response = _scan(warehouse_client, two_line_list, "MUG-1", **HTMX)

    html = response.content.decode()
    assert response.status_code == 422
    assert 'role="alert"' in html and "data-scan-refused" in html and "scan-refused" in html
    assert "Wrong item: “MUG-1” is not TEE-1 from bin A-01-01. Nothing was counted." in html
    assert 'aria-invalid="true"' in html and "data-scan-field" in html
    assert _picked(two_line_list) == {"TEE-1": 0, "MUG-1": 0}


def test_a_wrong_bin_and_an_unknown_code_are_refused_too(warehouse_client, two_line_list):
    wrong_bin = _scan(warehouse_client, two_line_list, "B-09-01", **HTMX)
    unknown = _scan(warehouse_client, two_line_list, "ZZ-NOTHING", **HTMX)
    empty = _scan(warehouse_client, two_line_list, "   ", **HTMX)

    assert wrong_bin.status_code == 422 and "Wrong bin: take TEE-1 from bin A-01-01" in wrong_bin.content.decode()
    assert unknown.status_code == 422 and "“ZZ-NOTHING” is no bin, GTIN or SKU we know." in unknown.content.decode()
    assert empty.status_code == 422 and "Scan a bin, GTIN or SKU." in empty.content.decode()
    assert _picked(two_line_list) == {"TEE-1": 0, "MUG-1": 0}


def test_the_right_bin_confirms_the_place_and_counts_nothing(warehouse_client, two_line_list):
    response = _scan(warehouse_client, two_line_list, "a-01-01", **HTMX)

    assert response.status_code == 200
    assert "Bin A-01-01 confirmed: take TEE-1." in response.content.decode()
    assert _picked(two_line_list) == {"TEE-1": 0, "MUG-1": 0}


def test_without_htmx_a_counted_scan_redirects_back_to_the_screen(warehouse_client, two_line_list):
    response = _scan(warehouse_client, two_line_list, "TEE-1")

    assert response.status_code == 302
    assert response["Location"] == reverse("fulfillment:warehouse-pick", kwargs={"number": two_line_list.number})
    page = warehouse_client.get(response["Location"]).content.decode()
    assert "TEE-1 counted: 1 of 1." in page


def test_a_scan_for_a_cancelled_order_is_refused_and_the_screen_says_the_picks_are_void(
    warehouse_client, two_line_list, django_capture_on_commit_callbacks
):
    _scan(warehouse_client, two_line_list, "TEE-1", **HTMX)
    order = two_line_list.shipments.get().order
    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(order=order, reason="Kunde hat storniert")

    response = _scan(warehouse_client, two_line_list, "MUG-1", **HTMX)

    html = response.content.decode()
    assert response.status_code == 422
    assert "was voided (Kunde hat storniert): put the items back." in html
    assert "This pick list was voided (Kunde hat storniert)" in html
    assert f"Order {order.number} is Cancelled: put 1 x TEE-1 back into bin A-01-01." in html
    assert 'name="code"' not in html  # nothing more to scan
    assert _picked(two_line_list) == {"TEE-1": 1, "MUG-1": 0}


def test_in_a_wave_a_cancelled_order_is_void_while_the_others_are_picked_on(
    warehouse_client, django_capture_on_commit_callbacks
):
    berlin = make_warehouse()
    stock_in_bins("MUG-1", {make_bin(berlin, "A-01-01", 10): 5})
    stock_in_bins("TEE-1", {make_bin(berlin, "B-01-01", 20): 5})
    shop = channel()
    first = allocated_order(shop, {"MUG-1": 1})
    second = allocated_order(shop, {"TEE-1": 1})
    wave = build_wave(warehouse=berlin, rule=WaveRule(max_orders=10))
    _scan(warehouse_client, wave, "MUG-1", **HTMX)
    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(order=first, reason="Kunde hat storniert")

    page = warehouse_client.get(reverse("fulfillment:warehouse-pick", kwargs={"number": wave.number})).content.decode()

    assert f"Order {first.number} is Cancelled: put 1 x MUG-1 back into bin A-01-01." in page
    assert "<strong data-next-sku>TEE-1</strong>" in page
    assert _scan(warehouse_client, wave, "TEE-1", **HTMX).status_code == 200
    assert second.shipments.get().state == "picking"


def test_a_short_pick_is_reported_and_the_order_waits_for_stock(warehouse_client, two_line_list):
    line = PickLine.objects.get(pick_list=two_line_list, sku="TEE-1")

    response = warehouse_client.post(
        reverse("fulfillment:warehouse-pick-short", kwargs={"number": two_line_list.number}),
        {"line": line.pk, "quantity": "1"},
        **HTMX,
    )

    assert response.status_code == 200
    assert "1 x TEE-1 reported missing from bin A-01-01." in response.content.decode()
    line.refresh_from_db()
    assert line.quantity_short == 1 and line.quantity_picked == 0


def test_a_short_pick_of_more_than_is_open_is_refused_and_changes_nothing(warehouse_client, two_line_list):
    line = PickLine.objects.get(pick_list=two_line_list, sku="TEE-1")

    response = warehouse_client.post(
        reverse("fulfillment:warehouse-pick-short", kwargs={"number": two_line_list.number}),
        {"line": line.pk, "quantity": "5"},
        **HTMX,
    )
    other_list = warehouse_client.post(
        reverse("fulfillment:warehouse-pick-short", kwargs={"number": two_line_list.number}),
        {"line": "987654", "quantity": "1"},
        **HTMX,
    )

    assert response.status_code == 422 and "Enter 1 to 1 missing units." in response.content.decode()
    assert other_list.status_code == 422 and "That line is not on pick list" in other_list.content.decode()
    line.refresh_from_db()
    assert line.quantity_short == 0


def test_an_unknown_pick_list_is_not_found(warehouse_client):
    assert warehouse_client.get(reverse("fulfillment:warehouse-pick", kwargs={"number": "ZZ-1"})).status_code == 404
    assert _scan(warehouse_client, type("L", (), {"number": "ZZ-1"}), "MUG-1").status_code == 404


@pytest.mark.usefixtures("compiled_locale")
def test_the_screen_speaks_german_to_a_german_tablet(warehouse_client, two_line_list):
    url = reverse("fulfillment:warehouse-pick", kwargs={"number": two_line_list.number})
    page = warehouse_client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    refused = _scan(warehouse_client, two_line_list, "ZZ-NOTHING", HTTP_ACCEPT_LANGUAGE="de", **HTMX)

    assert "Nächste Entnahme" in page and "Lagerplatz, GTIN oder SKU scannen" in page
    assert "Next pick" not in page
    assert "Fehlmenge melden" in page
    assert refused.status_code == 422
