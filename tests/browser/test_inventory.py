"""Inventory journeys: a warehouse user adjusts stock and receives a PO line; a manager fixes a broken
CSV import and reviews replenishment suggestions with their forecast accuracy."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.inventory.screens import make_bin, make_po, make_product, make_warehouse, put_stock

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def catalogue():
    ber = make_warehouse("BER")
    make_bin(ber, "A-01-01")
    make_bin(ber, "R-01")
    mug = make_product("MUG-001", "Blue enamel mug", gtin="4006381333931")
    put_stock(mug, ber, 7)
    lamp = make_product("LAMP-7", "Desk lamp")
    make_po("PO-2001", ber, [(lamp, 10)])
    return {"ber": ber, "mug": mug, "lamp": lamp}


def test_warehouse_user_adjusts_stock_and_receives_a_purchase_order_line(
    browser_page, live_url, warehouse_user, catalogue
):
    page = browser_page
    login(page, live_url, warehouse_user.username, f"pw-{warehouse_user.username}")

    # Find the product from the stock overview.
    page.goto(f"{live_url}/warehouse/stock/")
    page.get_by_role("searchbox", name="Search").fill("MUG")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="MUG-001").click()
    expect(page.get_by_role("heading", name=re.compile("MUG-001"))).to_be_visible()
    expect(page.get_by_label("On hand total")).to_have_text("7")

    # Adjust: +3 found on the shelf.
    adjust = page.get_by_role("form", name="Adjust")
    adjust.get_by_label("Quantity change").fill("3")
    adjust.get_by_label("Reason").fill("Found on shelf")
    adjust.get_by_role("button", name="Save adjustment").click()
    expect(page.get_by_role("status")).to_contain_text("now 10 on hand")
    expect(page.get_by_label("On hand total")).to_have_text("10")
    expect(page.get_by_role("region", name="Movements")).to_contain_text("Found on shelf")

    # A bad adjustment is refused with a message naming the field; the quantity stays.
    adjust = page.get_by_role("form", name="Adjust")
    adjust.get_by_label("Quantity change").fill("0")
    adjust.get_by_label("Reason").fill("oops")
    adjust.get_by_role("button", name="Save adjustment").click()
    expect(adjust).to_contain_text("Quantity change: enter a number other than 0.")
    expect(page.get_by_label("On hand total")).to_have_text("10")

    # Receive 4 of 10 lamps on PO-2001 into bin R-01.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Warehouse").click()
    # The area page lists its entries as button-styled links (role="button").
    page.get_by_role("navigation", name="Warehouse").get_by_role("button", name="Receiving").click()
    po_input = page.get_by_label("Purchase order", exact=True)
    expect(po_input).to_be_focused()
    po_input.fill("PO-2001")
    page.get_by_role("button", name="Open PO").click()
    code = page.get_by_label("SKU or GTIN")
    expect(code).to_be_focused()
    code.fill("LAMP-7")
    page.get_by_label("Quantity", exact=True).fill("4")
    page.get_by_label("Bin", exact=True).fill("R-01")
    page.get_by_role("button", name="Receive", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Received 4 x LAMP-7 for PO-2001")
    lines = page.get_by_role("table", name="Purchase order lines")
    expect(lines.get_by_role("row", name=re.compile("LAMP-7"))).to_contain_text("6")
    expect(page.get_by_label("SKU or GTIN")).to_be_focused()


def test_manager_sees_the_row_errors_of_a_broken_csv_and_then_imports_a_clean_one(
    browser_page, live_url, manager_user, tmp_path
):
    page = browser_page
    login(page, live_url, manager_user.username, f"pw-{manager_user.username}")
    page.goto(f"{live_url}/reports/")
    page.get_by_role("navigation", name="Reports").get_by_role("button", name="Inventory CSV import/export").click()

    broken = tmp_path / "broken.csv"
    broken.write_text("sku;name;gtin\nTEA-1;Green tea;\n;No SKU;\nTEA-3;Bad barcode;123\n", encoding="utf-8")
    page.get_by_label("What the file contains").select_option(label="Products")
    page.get_by_label("CSV file").set_input_files(str(broken))
    page.get_by_role("button", name="Import").click()
    errors = page.get_by_role("table", name="Errors in the file")
    expect(errors.get_by_role("row", name=re.compile(r"3\s+sku"))).to_be_visible()
    expect(errors.get_by_role("row", name=re.compile(r"4\s+gtin"))).to_be_visible()
    expect(page.get_by_text("nothing was imported")).to_be_visible()

    clean = tmp_path / "clean.csv"
    clean.write_text("sku;name\nTEA-1;Green tea\n", encoding="utf-8")
    page.get_by_label("CSV file").set_input_files(str(clean))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("status")).to_contain_text("Products imported: 1 rows")
    expect(page.get_by_role("table", name="Errors in the file")).to_have_count(0)


@pytest.fixture
def suggestions():
    """LOW-1 sells ~10 a day for two years and has 5 left (must reorder); FULL-1 has plenty."""
    from inventory.models import DemandForecast
    from inventory.services.replenishment import recompute_forecasts
    from tests.inventory import replenishment_data as rd

    ber = rd.make_warehouse("BER")
    low, full = rd.make_product("LOW-1"), rd.make_product("FULL-1")
    rd.put_stock(low, ber, 5)
    rd.put_stock(full, ber, 5000)
    rd.add_history(low, ber, rd.seasonal_history(2 * 365 + 70, base=10, trend=0.02, seed=1))
    rd.add_history(full, ber, rd.seasonal_history(60, seed=2))
    recompute_forecasts(as_of=rd.AS_OF)
    return DemandForecast.objects.select_related("product").get(product=low)


def test_manager_sees_suggestions_with_the_backtest_and_accepts_one(browser_page, live_url, manager_user, suggestions):
    low = suggestions
    assert low.wape_model is not None and low.wape_naive is not None
    page = browser_page
    login(page, live_url, manager_user.username, f"pw-{manager_user.username}")
    page.goto(f"{live_url}/reports/")
    page.get_by_role("navigation", name="Reports").get_by_role("button", name="Replenishment").click()

    # The product that must be reordered comes first, with its order quantity and both WAPEs.
    table = page.get_by_role("region", name="Replenishment suggestions")
    rows = table.get_by_role("row")
    expect(rows.nth(1)).to_contain_text("LOW-1")
    expect(rows.nth(1)).to_contain_text("reorder")
    expect(rows.nth(2)).to_contain_text("FULL-1")
    low_row = table.get_by_role("row", name=re.compile("LOW-1"))
    expect(low_row).to_contain_text(f"{round(low.wape_model * 100)} %")
    expect(low_row).to_contain_text(f"{round(low.wape_naive * 100)} %")
    expect(low_row).to_contain_text("trust" if low.model_beats_naive else "naive is better")

    # The forecast page: chart, and the backtest accuracy next to the naive forecast's.
    low_row.get_by_role("link", name="LOW-1").click()
    expect(page.get_by_role("heading", name=re.compile("LOW-1"))).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Weekly demand"))).to_be_visible()
    accuracy = page.locator("#forecast-accuracy")
    expect(accuracy).to_contain_text(f"WAPE model: {round(low.wape_model * 100)} %")
    expect(accuracy).to_contain_text(f"WAPE naive: {round(low.wape_naive * 100)} %")

    # Accepting the suggestion makes it the rule.
    rule_panel = page.get_by_role("region", name="Reorder rule")
    expect(rule_panel).to_contain_text("No rule yet")
    rule_panel.get_by_role("button", name=re.compile("Accept suggestion")).click()
    expect(rule_panel).to_contain_text(
        f"Current rule: reorder at {low.suggested_reorder_point}, fill up to {low.suggested_target}"
    )
    expect(page.get_by_role("status")).to_contain_text("The suggestion is now the rule for LOW-1")


def test_warehouse_screens_fit_a_tablet_with_big_tap_targets(tablet_page, live_url, warehouse_user, catalogue):
    page = tablet_page
    login(page, live_url, warehouse_user.username, f"pw-{warehouse_user.username}")
    for path in ("/warehouse/stock/", "/warehouse/products/MUG-001/", "/warehouse/receiving/?po=PO-2001"):
        page.goto(f"{live_url}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 800, f"{path} scrolls sideways on an 800 px tablet ({width} px)"
        heights = page.evaluate(
            """() => [...document.querySelectorAll(
                    'main button, main input:not([type=checkbox]):not([type=hidden]), main select')]
                .filter(el => el.offsetParent !== null)
                .map(el => [el.name || el.textContent.trim(), el.getBoundingClientRect().height])"""
        )
        assert len(heights) >= 2, f"{path}: no controls found"
        small = [name for name, height in heights if height < 44]
        assert small == [], f"{path}: tap targets under 44 px: {small}"
