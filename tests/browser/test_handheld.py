"""The warehouse screens on a 390 x 844 phone (a handheld with a keyboard-wedge scanner): pick,
pack, ship, receiving and return receiving each start with a compact header, show their lines as
cards that fit the width (nothing scrolls sideways), give every control a 44 px tap target, keep
the bin in view and in the form, and start the quantity at one; so do the lists that lead to
receiving and return receiving. Screenshots of every screen are
saved under the test's tmp path for a person to look at."""

from __future__ import annotations

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from fulfillment.models import Shipment
from fulfillment.services.planning import build_pick_list_for_order
from inventory.models import StockLevel
from tests.browser.conftest import login, new_context
from tests.fulfillment.warehouse_data import allocated_order, channel, label, make_bin, pack, pick_all, stock_in_bins
from tests.inventory.screens import make_po
from tests.reliability import ordering
from tests.returns.receiving_data import approved_return, delivered_order, returns_bin

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
TAP = 44
# Before the handheld layout the header took 312 px of the phone's 844.
HEADER_MAX = 130


@pytest.fixture
def phone(browser, live_url):
    context = new_context(browser, locale="de-DE", viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screens():
    """One of each warehouse screen with work on it: a pick list of two lines, a picked shipment
    to pack, a labelled one to ship, an open purchase order and an approved return."""
    rma = approved_return(delivered_order(), {"SHIRT": 1, "JEANS": 1})
    returns_bin("R-01-01")
    berlin = ordering.make_warehouse()
    front, back = make_bin(berlin, "A-01-01", 10), make_bin(berlin, "B-07-12", 20)
    mug = stock_in_bins("MUG-1", {front: 20}, gtin="4006381333931")
    stock_in_bins("LAMP-DESK-BRASS-XL-2026", {back: 20})
    shop = channel()

    def pick_list(lines):
        return build_pick_list_for_order(order=allocated_order(shop, lines), warehouse=berlin)

    to_pick = pick_list({"MUG-1": 2, "LAMP-DESK-BRASS-XL-2026": 1})
    to_pack = pick_list({"MUG-1": 1, "LAMP-DESK-BRASS-XL-2026": 2})
    pick_all(to_pack)
    to_ship = pick_list({"MUG-1": 1})
    pick_all(to_ship)
    label(pack(Shipment.objects.get(pick_list=to_ship)))
    po = make_po("PO-4711", berlin, [(mug, 12)])
    return {
        "pick": reverse("fulfillment:warehouse-pick", kwargs={"number": to_pick.number}),
        "pack": reverse(
            "fulfillment:warehouse-pack-shipment",
            kwargs={"reference": Shipment.objects.get(pick_list=to_pack).reference},
        ),
        "ship": reverse("fulfillment:warehouse-ship"),
        "receiving-start": reverse("inventory:receiving"),
        "receiving": reverse("inventory:receiving") + f"?po={po.number}",
        "returns-start": reverse("returns:warehouse-returns"),
        "returns": reverse("returns:warehouse-return", kwargs={"number": rma.number}),
    }


LAYOUT = """() => {
  const root = document.documentElement;
  const shown = (el) => { const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && getComputedStyle(el).visibility !== 'hidden'; };
  const box = (el) => { const r = el.getBoundingClientRect();
    return {w: r.width, h: r.height, left: r.left, right: r.right}; };
  // A checkbox or radio is tapped through its label; a visually hidden submit button (Enter) is no target.
  const target = (el) => (['checkbox', 'radio'].includes(el.type) && el.closest('label')) || el;
  const controls = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, summary')]
    .filter((el) => shown(el) && !el.closest('.visually-hidden'))
    .map((el) => ({name: (el.innerText || el.name || el.value || '').trim().slice(0, 40), ...box(target(el))}));
  const sideways = [...document.querySelectorAll('main *')]
    .filter((el) => el.scrollWidth > el.clientWidth + 1 && ['auto', 'scroll'].includes(getComputedStyle(el).overflowX))
    .map((el) => el.tagName + '.' + el.className);
  const cards = [...document.querySelectorAll('table.line-cards tbody tr')].map((row) => ({
    ...box(row),
    labels: [...row.querySelectorAll('td[data-label]')].filter(shown).map((td) =>
      [td.dataset.label, getComputedStyle(td, '::before').content]),
  }));
  return {header: document.querySelector('.shell-header').getBoundingClientRect().height,
          scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, controls, sideways, cards};
}"""


def in_view(locator) -> bool:
    box = locator.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]


def assert_handheld_layout(page, name: str) -> None:
    layout = page.evaluate(LAYOUT)
    assert layout["header"] <= HEADER_MAX, f"{name}: header {layout['header']} px tall"
    assert layout["scrollWidth"] <= layout["clientWidth"], f"{name}: the page scrolls sideways"
    assert layout["sideways"] == [], f"{name}: {layout['sideways']} scroll sideways"
    small = [c for c in layout["controls"] if c["h"] < TAP or c["w"] < TAP]
    assert small == [], f"{name}: tap targets under {TAP} px: {small}"
    assert layout["cards"], f"{name}: no line cards"
    for card in layout["cards"]:
        assert card["left"] >= 0 and card["right"] <= layout["clientWidth"], f"{name}: a card is wider than the phone"
        assert card["labels"] and all(content == f'"{label}"' for label, content in card["labels"]), card["labels"]


def test_the_warehouse_screens_fit_a_phone_with_cards_big_targets_and_the_bin_in_view(
    phone, live_url, warehouse_user, screens, tmp_path
):
    page = phone
    login(page, live_url, warehouse_user.username, f"pw-{warehouse_user.username}")
    for name, path in screens.items():
        page.goto(live_url + path)
        page.screenshot(path=tmp_path / f"{name}-390.png", full_page=True)
        assert_handheld_layout(page, name)

    # Pick: the next bin and the scan field are on screen together, before and after a scan.
    page.goto(live_url + screens["pick"])
    field, next_bin = page.locator("[data-scan-field]"), page.locator("[data-next-bin]")
    expect(field).to_be_focused()
    assert in_view(next_bin) and in_view(field)
    page.keyboard.type("MUG-1\n", delay=5)
    expect(page.get_by_label("Fortschritt")).to_have_text("1 von 3 Einheiten")
    expect(field).to_be_focused()
    assert next_bin.inner_text() == "A-01-01" and in_view(next_bin) and in_view(field)
    assert_handheld_layout(page, "pick after a scan")

    # Receiving: one unit unless told otherwise; the bin stays for the next scan.
    page.goto(live_url + screens["receiving"])
    before = StockLevel.objects.get(product__sku="MUG-1").on_hand
    quantity, bin_field = page.locator("input[name=receive-quantity]"), page.locator("input[name=receive-bin]")
    expect(quantity).to_have_value("1")
    bin_field.fill("A-01-01")
    page.locator("input[name=receive-code]").fill("MUG-1")
    page.locator("input[name=receive-code]").press("Enter")
    expect(page.locator("table.line-cards td[data-label='Eingegangen']")).to_have_text("1")
    expect(bin_field).to_have_value("A-01-01")
    expect(quantity).to_have_value("1")
    expect(page.locator("input[name=receive-code]")).to_have_value("")
    assert in_view(bin_field)
    page.screenshot(path=tmp_path / "receiving-after-a-receipt-390.png", full_page=True)
    assert StockLevel.objects.get(product__sku="MUG-1").on_hand == before + 1
    assert_handheld_layout(page, "receiving after a receipt")

    # Return receiving: the bin typed once stays for every unit of the parcel.
    page.goto(live_url + screens["returns"])
    return_bin = page.locator("[data-bin-field]")
    return_bin.fill("R-01-01")
    page.locator("[data-scan-field]").fill("SHIRT")
    page.locator("[data-scan-field]").press("Enter")
    expect(page.get_by_label("SHIRT erhalten").or_(page.get_by_label("Received SHIRT"))).to_have_text("1")
    expect(return_bin).to_have_value("R-01-01")
    assert in_view(return_bin)
    assert_handheld_layout(page, "returns after a scan")
