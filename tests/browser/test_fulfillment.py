"""The warehouse journey on a tablet with a keyboard-wedge scanner: a lead builds a wave, the
picker picks a two-line order by scanning (a wrong scan is refused and counts nothing), the packer
verifies and packs it, prints the label (a PDF showing the tracking number) and ships it; the
order is shipped and the ledger shows the units leaving the bins they were picked from."""

from __future__ import annotations

import re
import subprocess

import pytest
from playwright.sync_api import expect

from fulfillment.carriers.catalogue import seed_carriers
from fulfillment.models import CarrierService, Shipment, ShipmentState
from inventory.models import MovementKind, StockMovement
from orders.models import Order, OrderState
from tests.browser.conftest import login, new_context
from tests.fulfillment.warehouse_data import allocated_order, box, channel, make_bin, make_warehouse, stock_in_bins

pytestmark = pytest.mark.django_db(transaction=True)

MUG_GTIN = "4006381333931"


@pytest.fixture
def tablet(browser, live_url):
    """A warehouse tablet (portrait, touch) with the English UI."""
    context = new_context(browser, locale="en-GB", viewport={"width": 800, "height": 1280}, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def warehouse():
    seed_carriers()
    berlin = make_warehouse()
    berlin.street, berlin.postal_code, berlin.city = "Lagerweg 1", "12529", "Schönefeld"
    berlin.save()
    front, back = make_bin(berlin, "A-01-01", 10), make_bin(berlin, "B-09-01", 90)
    stock_in_bins("MUG-1", {back: 5}, gtin=MUG_GTIN)
    stock_in_bins("TEE-1", {front: 5})
    box()
    order = allocated_order(channel(), {"MUG-1": 2, "TEE-1": 1})
    return {"berlin": berlin, "order": order}


def _scan(page, code: str) -> None:
    """What a keyboard-wedge scanner does: type into the focused field, then Enter."""
    field = page.locator("[data-scan-field]")
    expect(field).to_be_focused()
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def test_a_warehouse_user_builds_a_wave_picks_packs_prints_and_ships_an_order(
    tablet, live_url, warehouse_user, warehouse
):
    page = tablet
    order = warehouse["order"]
    dhl = CarrierService.objects.get(carrier__code="dhl", code="paket")
    login(page, live_url, warehouse_user.username, f"pw-{warehouse_user.username}")

    # The lead builds a wave for DHL Paket and gives it to the picker.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Warehouse").click()
    page.get_by_role("navigation", name="Warehouse").get_by_role("button", name="Waves").click()
    wave = page.get_by_role("form", name="Build a wave")
    wave.get_by_label("Warehouse").select_option(str(warehouse["berlin"].pk))
    wave.get_by_label("Carrier service").select_option(str(dhl.pk))
    wave.get_by_label("Up to orders").fill("10")
    wave.get_by_label("Picker").select_option(str(warehouse_user.pk))
    wave.get_by_role("button", name="Build wave").click()
    expect(page.locator("#messages")).to_contain_text("built: 1 order(s), 2 line(s).")
    lists = page.get_by_role("table", name="Open pick lists")
    expect(lists.get_by_role("combobox")).to_have_value(str(warehouse_user.pk))

    # Picking: the walk starts at the front bin; the scan field has the focus throughout.
    lists.get_by_role("button", name="Pick", exact=True).click()
    next_pick = page.get_by_role("region", name="Next pick")
    expect(next_pick).to_contain_text("A-01-01")
    expect(next_pick).to_contain_text("TEE-1")

    _scan(page, "MUG-1")  # the wrong item: refused loudly, nothing counted
    expect(page.get_by_role("alert")).to_contain_text("Wrong item: “MUG-1” is not TEE-1 from bin A-01-01.")
    expect(page.locator("[data-scan-field]")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("[data-scan-field]")).to_be_focused()
    expect(page.get_by_label("Progress")).to_have_text("0 of 3 units")

    _scan(page, "TEE-1")
    expect(page.get_by_role("status").filter(has_text="counted")).to_contain_text("TEE-1 counted: 1 of 1.")
    expect(next_pick).to_contain_text("B-09-01")
    _scan(page, MUG_GTIN)
    expect(page.get_by_label("Progress")).to_have_text("2 of 3 units")
    _scan(page, "MUG-1")
    expect(page.get_by_text("The pick list is complete").first).to_be_visible()

    # Packing: the order number opens the shipment; every unit is verified by scanning.
    page.get_by_role("link", name="Go to packing").click()
    _scan(page, order.number)
    expect(page.get_by_role("heading", name=re.compile(f"Shipment {order.number}-1"))).to_be_visible()
    for code, seen in (
        ("MUG-1", "MUG-1 verified: 1 of 2."),
        (MUG_GTIN, "MUG-1 verified: 2 of 2."),
        ("TEE-1", "TEE-1 verified: 1 of 1."),
    ):
        _scan(page, code)
        expect(page.locator("#scan-feedback")).to_have_text(seen)
    _scan(page, "TEE-1")  # one too many: refused
    expect(page.get_by_role("alert")).to_contain_text("All 1 x TEE-1 are scanned already")
    close = page.get_by_role("form", name="Close the shipment")
    close.get_by_label("Box").select_option(index=1)
    close.get_by_label("Weight (g)").fill("1500")
    close.get_by_role("button", name="Close shipment").click()

    # The label: polled until its PDF is ready, then printed.
    label = page.get_by_role("region", name="Label")
    expect(label).to_contain_text("Label ready", timeout=30_000)
    shipment = Shipment.objects.get(order=order)
    assert shipment.tracking_number
    expect(label).to_contain_text(shipment.tracking_number)
    href = label.get_by_role("button", name="Print label").get_attribute("href")
    pdf = page.request.get(f"{live_url}{href}")
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.body(), capture_output=True, check=True)
    assert shipment.tracking_number in text.stdout.decode().replace(" ", "")

    # Shipping: handed to the carrier from the pack screen.
    label.get_by_role("button", name="Hand over to the carrier").click()
    expect(page.locator("#messages")).to_contain_text(f"Shipment {shipment.reference} handed to DHL Paket")

    shipment.refresh_from_db()
    assert shipment.state == ShipmentState.SHIPPED
    assert Order.objects.get(pk=order.pk).state == OrderState.SHIPPED
    outgoing = StockMovement.objects.filter(kind=MovementKind.SHIP, reference=shipment.reference)
    assert sorted((m.product.sku, m.bin.code, m.quantity) for m in outgoing) == [
        ("MUG-1", "B-09-01", -2),
        ("TEE-1", "A-01-01", -1),
    ]
