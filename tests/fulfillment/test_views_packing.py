"""The pack screen and the dock: find the shipment by scan, verify every item (missing or extra
block closing), packages, the label polled until its PDF is ready, then shipping."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse

from fulfillment.models import LabelState, Package, PickList, Shipment, ShipmentState
from fulfillment.services.labels import book_label
from fulfillment.services.planning import build_pick_list_for_order
from oms import outbox
from oms.models import OutboxMessage, OutboxStatus
from orders.models import OrderState
from orders.services.lifecycle import cancel_order
from tests.fulfillment.shipping import service
from tests.fulfillment.warehouse_data import (
    allocated_order,
    box,
    channel,
    make_bin,
    make_warehouse,
    pick_all,
    stock_in_bins,
)
from tests.oms.test_translations import compiled_locale  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_monday")]

HTMX = {"HTTP_HX_REQUEST": "true"}
MONDAY = datetime.datetime(2026, 11, 30, 9, 0, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def _monday():
    with time_machine.travel(MONDAY, tick=True):
        yield


@pytest.fixture
def picked():
    """A picked two-line order (2 x MUG-1, 1 x TEE-1) waiting at the packing table."""
    service()
    berlin = make_warehouse()
    stock_in_bins("MUG-1", {make_bin(berlin, "A-01-01", 10): 5}, gtin="4006381333931")
    stock_in_bins("TEE-1", {make_bin(berlin, "B-01-01", 20): 5})
    stock_in_bins("CAP-1", {make_bin(berlin, "C-01-01", 30): 5})
    order = allocated_order(channel(), {"MUG-1": 2, "TEE-1": 1})
    pick_all(build_pick_list_for_order(order=order, warehouse=berlin))
    box()
    return Shipment.objects.get(order=order)


def _url(name, shipment):
    return reverse(f"fulfillment:warehouse-pack-{name}", kwargs={"reference": shipment.reference})


def _scan(client, shipment, code, scans=()):
    return client.post(_url("scan", shipment), {"code": code, "scan": list(scans)}, **HTMX)


def _close(client, shipment, scans, **fields):
    data = {"scan": list(scans), "packages": "1", "package_type-1": box().pk, "weight-1": "1500", **fields}
    return client.post(_url("close", shipment), data, **HTMX)


ALL = ["MUG-1", "4006381333931", "TEE-1"]


def test_scanning_the_order_number_opens_its_shipment(warehouse_client, picked):
    response = warehouse_client.get(reverse("fulfillment:warehouse-pack"), {"code": picked.order.number})

    assert response.status_code == 302 and response["Location"] == reverse(
        "fulfillment:warehouse-pack-shipment", kwargs={"reference": picked.reference}
    )
    tote = PickList.objects.get().number  # the tote carries the pick list's number
    assert warehouse_client.get(reverse("fulfillment:warehouse-pack"), {"code": tote}).status_code == 302


def test_an_unknown_code_and_a_cancelled_order_are_refused_at_the_start(
    warehouse_client, picked, django_capture_on_commit_callbacks
):
    unknown = warehouse_client.get(reverse("fulfillment:warehouse-pack"), {"code": "ZZ-NOTHING"})
    with django_capture_on_commit_callbacks(execute=True):
        cancel_order(order=picked.order, reason="Kunde hat storniert")
    cancelled = warehouse_client.get(reverse("fulfillment:warehouse-pack"), {"code": picked.order.number})

    assert unknown.status_code == 422
    assert "No order, shipment or tote has the code “ZZ-NOTHING”." in unknown.content.decode()
    assert cancelled.status_code == 422
    assert "was cancelled (Kunde hat storniert): nothing to pack. Put the items back." in cancelled.content.decode()


def test_the_screen_lists_what_was_picked_and_the_start_lists_it_as_waiting(warehouse_client, picked):
    page = warehouse_client.get(_url("shipment", picked)).content.decode()
    start = warehouse_client.get(reverse("fulfillment:warehouse-pack")).content.decode()

    assert "MUG-1" in page and "TEE-1" in page and "data-scan-field" in page
    assert "Every item must be scanned before the shipment closes." in page
    assert picked.reference in start


def test_each_scan_counts_once_and_wrong_unknown_or_extra_items_are_refused(warehouse_client, picked):
    first = _scan(warehouse_client, picked, "MUG-1")
    assert first.status_code == 200
    html = first.content.decode()
    assert "MUG-1 verified: 1 of 2." in html and '<input type="hidden" name="scan" value="MUG-1">' in html

    other = _scan(warehouse_client, picked, "CAP-1", ["MUG-1"])
    unknown = _scan(warehouse_client, picked, "ZZ-NOTHING", ["MUG-1"])
    extra = _scan(warehouse_client, picked, "TEE-1", ["MUG-1", "TEE-1"])

    assert other.status_code == 422 and "CAP-1 is not in shipment" in other.content.decode()
    assert "data-scan-refused" in other.content.decode()
    assert unknown.status_code == 422 and "“ZZ-NOTHING” is no GTIN or SKU we know." in unknown.content.decode()
    assert extra.status_code == 422 and "All 1 x TEE-1 are scanned already" in extra.content.decode()
    # The refused scans are not kept: the page carries only what was verified.
    assert extra.content.decode().count('name="scan"') == 2 * 2  # two codes, in both forms


def test_a_missing_item_blocks_closing_and_nothing_is_packed(warehouse_client, picked):
    response = _close(warehouse_client, picked, ["MUG-1", "TEE-1"])

    assert response.status_code == 422
    assert "The shipment cannot be closed (missing: 1 x MUG-1)." in response.content.decode()
    picked.refresh_from_db()
    assert picked.state == ShipmentState.PICKING and not Package.objects.exists()


def test_a_box_heavier_than_it_weighs_empty_is_required(warehouse_client, picked):
    response = _close(warehouse_client, picked, ALL, **{"weight-1": "10"})

    assert response.status_code == 422
    assert "less than the empty box" in response.content.decode()
    assert not Package.objects.exists()


def test_closing_packs_asks_for_the_label_and_polls_until_the_pdf_is_ready(warehouse_client, picked):
    response = _close(warehouse_client, picked, ALL)

    html = response.content.decode()
    assert response.status_code == 200
    shipment = Shipment.objects.get(pk=picked.pk)
    assert shipment.state == ShipmentState.PACKED and shipment.label_state == LabelState.REQUESTED
    assert shipment.carrier_service is not None and shipment.expected_delivery_date is not None
    assert "The label is being prepared" in html and 'hx-trigger="every 2s"' in html

    waiting = warehouse_client.get(_url("label", picked), **HTMX)
    assert waiting.status_code == 200 and "being prepared" in waiting.content.decode()

    # The worker books the label and renders the PDFs (the outbox, as after commit).
    for message in OutboxMessage.objects.filter(kind="label", status=OutboxStatus.PENDING):
        outbox.deliver(message.pk)
    for message in OutboxMessage.objects.filter(kind="document", status=OutboxStatus.PENDING):
        outbox.deliver(message.pk)

    ready = warehouse_client.get(_url("label", picked), **HTMX)
    shipment = Shipment.objects.get(pk=picked.pk)
    assert ready.status_code == 286  # htmx stops polling
    body = ready.content.decode()
    assert "Print label" in body and shipment.tracking_number in body
    assert reverse("document-file", args=[shipment.label_document_id]) in body
    assert "hx-trigger" not in body
    pdf = warehouse_client.get(reverse("document-file", args=[shipment.label_document_id]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    # Without htmx the same part is an ordinary answer.
    assert warehouse_client.get(_url("label", picked)).status_code == 200


def test_several_packages_say_which_items_each_holds(warehouse_client, picked):
    more = warehouse_client.post(_url("close", picked), {"scan": ALL, "packages": "1", "action": "add"}, **HTMX)
    assert more.status_code == 200 and "Package 2" in more.content.decode()
    lines = {line.product.sku: line for line in picked.lines.select_related("product")}
    mug, tee = lines["MUG-1"].pk, lines["TEE-1"].pk

    response = _close(
        warehouse_client,
        picked,
        ALL,
        packages="2",
        **{
            "package_type-2": box().pk,
            "weight-2": "900",
            f"items-1-{mug}": "2",
            f"items-1-{tee}": "0",
            f"items-2-{mug}": "0",
            f"items-2-{tee}": "1",
        },
    )

    assert response.status_code == 200, response.content.decode()[-600:]
    packages = list(Package.objects.filter(shipment=picked).order_by("number"))
    assert [(p.weight_grams, [(i.shipment_line_id, i.quantity) for i in p.items.all()]) for p in packages] == [
        (1500, [(mug, 2)]),
        (900, [(tee, 1)]),
    ]


def test_with_htmx_only_the_work_area_is_answered(warehouse_client, picked):
    html = warehouse_client.get(_url("shipment", picked), **HTMX).content.decode()

    assert html.lstrip().startswith('<div id="pack-work"') and "<html" not in html


# -- the dock ----------------------------------------------------------------------------------------


def test_an_unpacked_shipment_cannot_ship_and_says_why(warehouse_client, picked):
    response = warehouse_client.post(reverse("fulfillment:warehouse-ship-confirm"), {"code": picked.reference}, **HTMX)

    assert response.status_code == 422
    assert f"Shipment {picked.reference} cannot ship: it is “Picking”, not labelled." in response.content.decode()
    picked.refresh_from_db()
    assert picked.state == ShipmentState.PICKING


def test_an_unknown_parcel_is_refused_at_the_dock(warehouse_client):
    response = warehouse_client.post(reverse("fulfillment:warehouse-ship-confirm"), {"code": "ZZ-1"}, **HTMX)

    assert response.status_code == 422
    assert "No shipment has the reference or tracking number “ZZ-1”." in response.content.decode()


def test_a_labelled_parcel_ships_by_its_tracking_number(warehouse_client, picked):
    _close(warehouse_client, picked, ALL)
    book_label(picked.pk)
    labelled = Shipment.objects.get(pk=picked.pk)
    page = warehouse_client.get(reverse("fulfillment:warehouse-ship")).content.decode()
    assert labelled.reference in page

    response = warehouse_client.post(reverse("fulfillment:warehouse-ship-confirm"), {"code": labelled.tracking_number})

    assert response.status_code == 302
    shipped = Shipment.objects.select_related("order").get(pk=picked.pk)
    assert shipped.state == ShipmentState.SHIPPED and shipped.order.state == OrderState.SHIPPED
    assert f"Shipment {shipped.reference} handed to" in warehouse_client.get(response["Location"]).content.decode()


@pytest.mark.usefixtures("compiled_locale")
def test_the_pack_screen_and_the_dock_speak_german_to_a_german_tablet(warehouse_client, picked):
    page = warehouse_client.get(_url("shipment", picked), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    refused = warehouse_client.post(
        reverse("fulfillment:warehouse-ship-confirm"), {"code": "ZZ-1"}, HTTP_ACCEPT_LANGUAGE="de", **HTMX
    ).content.decode()

    assert "Jeden Artikel scannen" in page and "Sendung abschließen" in page and "Paket hinzufügen" in page
    assert "Close shipment" not in page
    assert "Keine Sendung hat die Referenz oder Sendungsnummer „ZZ-1“." in refused


def test_the_pack_screen_names_the_destination_country_not_its_code(warehouse_client, picked):
    page = warehouse_client.get(reverse("fulfillment:warehouse-pack-shipment", kwargs={"reference": picked.reference}))

    html = page.content.decode()
    assert picked.order.shipping_country == "DE"
    assert f"{picked.order.shipping_city}, Germany ·" in html
