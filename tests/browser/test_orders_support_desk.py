"""The rest of the support desk in a real browser, end to end: search by every key, "why this
warehouse", hold and unhold, cancelling line quantities, editing lines and the address before
release, support cases (thread, states, queue), a phone order for a known customer, and the CSV
import with its per-row error report and the progress that polls until the task is done."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from playwright.sync_api import expect

from inventory.models import StockLevel
from orders.models import CaseState, Order, OrderImport, OrderState, SupportCase
from orders.services.imports import create_order_import, run_order_import
from tests.browser.conftest import login
from tests.orders.support_fixtures import *  # noqa: F403  (fixtures)
from tests.orders.support_fixtures import place

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def reserved(product) -> int:
    return StockLevel.objects.filter(product=product).aggregate(n=Sum("reserved"))["n"] or 0


def search(page, live_url: str, query: str) -> None:
    page.goto(f"{live_url}/support/orders/")
    box = page.get_by_role("searchbox", name="Search orders")
    box.fill(query)
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"q="))


def test_agent_finds_orders_by_every_key_and_sees_why_this_warehouse(
    browser_page, live_url, support_user, catalogue, webshop, marketplace
):
    page = browser_page
    anna = place(webshop, external_id="SHOP-1001", lines=[("SHIRT-BLK-M", 1, "24.90")])
    bob = place(
        marketplace,
        email="bob.meier@example.org",
        name="Bob Meier",
        phone="+49 89 555 0199",
        postcode="80331",
        city="München",
        lines=[("MUG-WHT", 1, "12.50")],
        external_id="AMZ-77",
    )
    login(page, live_url, "agent", "pw-agent")

    for query, found, not_found in [
        (anna.number, anna, bob),
        ("AMZ-77", bob, anna),
        ("bob.meier@example.org", bob, anna),
        ("Meier", bob, anna),
        ("80331", bob, anna),
        ("555 0199", bob, anna),
        ("SHIRT-BLK-M", anna, bob),
    ]:
        search(page, live_url, query)
        results = page.locator("#order-table")
        expect(results).to_contain_text(found.number)
        expect(results).not_to_contain_text(not_found.number)

    page.get_by_role("link", name=anna.number).click()
    routing = page.get_by_role("article", name="Routing")
    expect(routing).to_contain_text("Why this warehouse")
    expect(routing).to_contain_text("BER is the only warehouse that can ship every line.")
    expect(routing).to_contain_text("Allocated from: Berlin")
    expect(page.locator("#order-timeline")).to_contain_text("Routing decision")


def test_agent_holds_and_releases_cancels_a_quantity_and_edits_lines_and_address(
    browser_page, live_url, support_user, catalogue, webshop
):
    page = browser_page
    order = place(webshop, lines=[("SHIRT-BLK-M", 3, "24.90")])
    shirt, mug = catalogue["SHIRT-BLK-M"], catalogue["MUG-WHT"]
    assert reserved(shirt) == 3
    login(page, live_url, "agent", "pw-agent")
    page.goto(f"{live_url}/support/orders/{order.number}/")
    state = page.locator("#order-body [data-state]").first

    # Hold with a reason, then release the hold: back to allocated, reservation kept throughout.
    page.get_by_role("textbox", name="Hold reason").fill("Payment check")
    page.get_by_role("button", name="Hold", exact=True).click()
    expect(state).to_have_attribute("data-state", "on_hold")
    expect(page.locator("#order-body")).to_contain_text("Payment check")
    page.get_by_role("textbox", name="Why the hold is released (optional)").fill("Payment arrived")
    page.get_by_role("button", name="Release hold").click()
    expect(state).to_have_attribute("data-state", "allocated")
    expect(page.locator("#order-timeline")).to_contain_text("Hold released. Payment arrived")
    assert reserved(shirt) == 3

    # Cancel one of the three shirts: exactly one unit's reservation is released.
    page.get_by_role("spinbutton", name="Cancel quantity of SHIRT-BLK-M").fill("1")
    page.get_by_role("textbox", name="Reason for cancelling lines").fill("Customer wants two")
    page.once("dialog", lambda dialog: dialog.accept())  # asked once before anything is cancelled
    page.get_by_role("button", name="Cancel selected quantities").click()
    expect(page.locator("#messages")).to_contain_text("The lines are cancelled.")
    expect(page.locator("#order-timeline")).to_contain_text("Cancelled 1 x SHIRT-BLK-M: Customer wants two")
    assert reserved(shirt) == 2
    expect(page.get_by_role("article", name="Money")).to_contain_text(re.compile(r"54[.,]70"))  # 2 x 24.90 + 4.90

    # Edit before release: one more shirt and a mug; re-allocated and re-totalled, on the timeline.
    page.get_by_text("Change quantities or add a product").click()
    page.get_by_role("spinbutton", name="New quantity of SHIRT-BLK-M").fill("4")
    page.get_by_role("textbox", name="Add product (SKU)").fill("MUG-WHT")
    page.get_by_role("spinbutton", name="Quantity to add").fill("2")
    page.get_by_role("button", name="Save line changes").click()
    expect(page.locator("#messages")).to_contain_text("The lines are changed.")
    expect(page.locator("#order-timeline")).to_contain_text("Added 2 x MUG-WHT")
    expect(state).to_have_attribute("data-state", "allocated")
    expect(page.get_by_role("article", name="Money")).to_contain_text(
        re.compile(r"104[.,]60")
    )  # 3 x 24.90 + 2 x 12.50 + 4.90
    assert (reserved(shirt), reserved(mug)) == (3, 2)

    # A product that does not exist is refused with its SKU, nothing changes.
    page.get_by_text("Change quantities or add a product").click()
    page.get_by_role("textbox", name="Add product (SKU)").fill("GHOST-1")
    page.get_by_role("button", name="Save line changes").click()
    expect(page.locator("#messages")).to_contain_text("GHOST-1")
    assert order.lines.count() == 2

    # New shipping address.
    page.get_by_text("Edit shipping address").click()
    page.get_by_label("Street and number").fill("Neue Straße 9")
    page.get_by_label("Postcode").fill("10117")
    page.get_by_role("button", name="Save address").click()
    expect(page.get_by_role("article", name="Shipping address")).to_contain_text("Neue Straße 9")
    expect(page.locator("#order-timeline")).to_contain_text("Neue Straße 9")
    order.refresh_from_db()
    assert (order.state, order.shipping_postcode) == (OrderState.ALLOCATED, "10117")


def test_agent_opens_a_case_replies_waits_resolves_and_the_queue_follows(
    browser_page, live_url, support_user, catalogue, webshop
):
    page = browser_page
    order = place(webshop)
    login(page, live_url, "agent", "pw-agent")
    page.goto(f"{live_url}/support/orders/{order.number}/")

    page.locator("#new-case summary").click()
    page.get_by_label("Subject").fill("Parcel damaged")
    page.get_by_label("Message").fill("The customer sent photos of a torn box.")
    page.get_by_role("button", name="Open case").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Parcel damaged")
    expect(page.locator("#case-thread")).to_contain_text("The customer sent photos of a torn box.")

    page.get_by_role("textbox", name="Reply").fill("We send a replacement today.")
    page.get_by_role("button", name="Send reply").click()
    expect(page.locator("#case-thread")).to_contain_text("We send a replacement today.")

    page.get_by_role("button", name="Waiting for customer").click()
    expect(page.locator("#case-thread h1 [data-state]")).to_have_attribute("data-state", "waiting")
    case = SupportCase.objects.get()
    assert case.state == CaseState.WAITING

    page.get_by_role("link", name="← Case queue").click()
    expect(page.locator("#case-table")).to_contain_text("Parcel damaged")

    page.get_by_role("link", name="Parcel damaged").click()
    page.get_by_role("button", name="Resolve").click()
    expect(page.locator("#case-thread h1 [data-state]")).to_have_attribute("data-state", "resolved")
    expect(page.get_by_role("button", name="Reopen")).to_be_visible()
    page.goto(f"{live_url}/support/cases/")
    expect(page.locator("#case-table")).not_to_contain_text("Parcel damaged")
    case.refresh_from_db()
    assert case.state == CaseState.RESOLVED


def test_phone_order_for_a_known_customer_with_live_totals_ends_allocated(
    browser_page, live_url, support_user, catalogue, webshop
):
    page = browser_page
    place(webshop, email="anna@example.com", postcode="10115")
    login(page, live_url, "agent", "pw-agent")
    page.goto(f"{live_url}/support/orders/new/")

    page.get_by_role("searchbox", name="Find a customer").fill("anna@")
    page.get_by_role("button", name="Use anna@example.com").click()
    expect(page.get_by_label("Customer e-mail")).to_have_value("anna@example.com")
    expect(page.get_by_label("Postcode")).to_have_value("10115")

    page.get_by_role("searchbox", name="Find a product").fill("Becher")
    page.get_by_role("button", name="Add MUG-WHT").click()
    page.get_by_role("searchbox", name="Find a product").fill("SHIRT")
    page.get_by_role("button", name="Add SHIRT-BLK-M").click()
    expect(page.locator("#phone-lines tr[data-sku]")).to_have_count(2)
    expect(page.locator("#phone-lines tr[data-sku='MUG-WHT']")).to_contain_text("20")  # in stock

    page.get_by_role("spinbutton", name="Quantity of MUG-WHT").fill("4")
    expect(page.locator("#order-totals")).to_contain_text(re.compile(r"74[.,]90"))  # 4 x 12.50 + 24.90
    page.get_by_role("button", name="Remove SHIRT-BLK-M").click()
    expect(page.locator("#phone-lines tr[data-sku]")).to_have_count(1)
    expect(page.locator("#order-totals")).to_contain_text(re.compile(r"50[.,]00"))

    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Order")
    order = Order.objects.get(channel__code="phone")
    assert order.customer.email == "anna@example.com"
    assert order.state == OrderState.ALLOCATED
    assert list(order.lines.values_list("sku", "quantity", "quantity_allocated")) == [("MUG-WHT", 4, 4)]
    assert reserved(catalogue["MUG-WHT"]) == 4


HEADER = (
    "external_id,customer_email,customer_name,customer_phone,ship_name,ship_street,ship_postcode,ship_city,"
    "ship_country,currency,payment_method,shipping_amount,sku,quantity,unit_price\n"
)
ANNA = "anna@example.com,Anna Schmidt,030123,Anna Schmidt,Lindenstr. 5,10115,Berlin,DE,EUR,invoice,4.90"
GOOD = HEADER + (
    f"A-100,{ANNA},SHIRT-BLK-M,2,24.90\n"
    f"A-100,{ANNA},MUG-WHT,1,12.50\n"
    "A-101,bob@example.com,Bob Meier,,Bob Meier,Hauptstr. 1,80331,München,DE,EUR,invoice,0,MUG-WHT,3,12.50\n"
)
BROKEN = HEADER + (
    f"B-1,{ANNA},SHIRT-BLK-M,2,24.90\n"
    f"B-1,{ANNA},NOPE-404,1,9.90\n"
    "B-2,carl@example.com,Carl,,Carl,Weg 2,20095,Hamburg,DEU,EUR,invoice,0,MUG-WHT,0,12.50\n"
)


def test_csv_import_reports_row_errors_then_imports_a_good_file(
    browser_page, live_url, support_user, catalogue, webshop, tmp_path
):
    page = browser_page
    broken, good = tmp_path / "broken.csv", tmp_path / "good.csv"
    broken.write_text(BROKEN, encoding="utf-8")
    good.write_text(GOOD, encoding="utf-8")
    login(page, live_url, "agent", "pw-agent")

    page.goto(f"{live_url}/support/orders/import/")
    page.get_by_label("CSV file").set_input_files(str(broken))
    page.get_by_label("Channel").select_option("webshop")
    page.get_by_role("button", name="Upload and import").click()
    status = page.get_by_role("region", name="Import progress")
    expect(status).to_have_attribute("data-status", "failed")
    errors = page.get_by_role("table", name="Errors per row")
    expect(errors).to_contain_text("NOPE-404")
    expect(errors.get_by_role("row", name="3 sku Unknown SKU NOPE-404.")).to_be_visible()  # row 1 is the header
    expect(errors.get_by_role("row", name=re.compile(r"^4 ship_country .*two-letter country code"))).to_be_visible()
    expect(errors.get_by_role("row", name=re.compile(r"^4 quantity .*at least 1"))).to_be_visible()
    expect(status).to_contain_text("Nothing was imported.")
    assert Order.objects.count() == 0

    page.get_by_role("link", name="← Import another file").click()
    page.get_by_label("CSV file").set_input_files(str(good))
    page.get_by_label("Channel").select_option("webshop")
    page.get_by_role("button", name="Upload and import").click()
    expect(status).to_have_attribute("data-status", "done")
    expect(status).to_contain_text("2 orders created, 0 were already there.")
    expect(page.get_by_role("progressbar", name="Rows processed")).to_have_attribute("value", "3")
    assert set(Order.objects.values_list("external_id", "state")) == {
        ("A-100", OrderState.ALLOCATED),
        ("A-101", OrderState.ALLOCATED),
    }


def test_import_page_polls_the_task_and_stops_when_it_is_done(browser_page, live_url, support_user, catalogue, webshop):
    page = browser_page
    # The upload is stored, the worker has not picked it up yet.
    order_import = create_order_import(
        upload=SimpleUploadedFile("good.csv", GOOD.encode(), content_type="text/csv"), channel=webshop, user=None
    )
    login(page, live_url, "agent", "pw-agent")
    page.goto(f"{live_url}/support/orders/import/{order_import.pk}/")
    status = page.get_by_role("region", name="Import progress")
    expect(status).to_have_attribute("data-status", "pending")
    expect(status).to_have_attribute("hx-trigger", "every 1s")

    # The worker runs it now; the open page shows the result without a reload.
    run_order_import(import_id=order_import.pk)

    expect(status).to_have_attribute("data-status", "done", timeout=8_000)
    expect(status).to_contain_text("3 of 3 rows")
    expect(status).not_to_have_attribute("hx-trigger", "every 1s")
    assert OrderImport.objects.get(pk=order_import.pk).created == 2
