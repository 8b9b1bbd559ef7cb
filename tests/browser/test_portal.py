"""The customer portal on a phone (390 px wide, touch): a customer follows an order from lookup to
return, an agent answers from the support desk, and every page fits the screen with tap targets
big enough for a finger."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail as django_mail

from fulfillment.models import ShipmentState
from fulfillment.services.tracking import record_tracking_event_by_hand
from returns.models import ReturnRequest
from tests.billing.flows import place, ship
from tests.browser.conftest import login, new_context

BERLIN = ZoneInfo("Europe/Berlin")
SHIPPED = datetime.datetime(2026, 3, 2, 15, 0, tzinfo=BERLIN)  # a Monday
IN_TRANSIT = SHIPPED + datetime.timedelta(hours=20)
DELIVERED = SHIPPED + datetime.timedelta(days=1, hours=2)
LATER = SHIPPED + datetime.timedelta(days=4)

PHONE = {"width": 390, "height": 844}
# WCAG 2.5.8 (AA): every target at least 24 x 24 CSS px; we give form controls and buttons the
# 44 px height of Apple's and Google's guidelines, and links in running text at least 24 px.
CONTROL_HEIGHT = 44
LINK_SIZE = 24

pytestmark = pytest.mark.django_db(transaction=True)

LAYOUT = """([control, link]) => {
  const visible = e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0
      && getComputedStyle(e).visibility !== 'hidden'; };
  const label = e => (e.innerText || e.value || e.name || e.id || e.tagName).trim().slice(0, 50);
  const size = r => [Math.round(r.width), Math.round(r.height)];
  const tooSmall = [];
  const controls = 'button, input:not([type=hidden]), select, textarea, summary, [role=button]';
  for (const e of document.querySelectorAll(controls)) {
    if (!visible(e)) continue;
    // A radio button or checkbox is tapped through its label.
    const box = (e.type === 'radio' || e.type === 'checkbox') && e.labels && e.labels[0]
        ? e.labels[0].getBoundingClientRect() : e.getBoundingClientRect();
    if (box.height < control || box.width < link) tooSmall.push([label(e), ...size(box)]);
  }
  for (const e of document.querySelectorAll('a[href]')) {
    if (!visible(e) || e.getAttribute('role') === 'button') continue;
    const box = e.getBoundingClientRect();
    if (box.height < link || box.width < link) tooSmall.push([label(e), ...size(box)]);
  }
  const wide = [...document.querySelectorAll('body *')].filter(e => visible(e)
      && e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).map(label).slice(0, 5);
  return {scroll: document.documentElement.scrollWidth - document.documentElement.clientWidth, wide, tooSmall};
}"""


def assert_fits_the_phone(page) -> None:
    layout = page.evaluate(LAYOUT, [CONTROL_HEIGHT, LINK_SIZE])
    assert layout["scroll"] <= 0, f"the page scrolls sideways by {layout['scroll']} px: {layout['wide']}"
    assert layout["tooSmall"] == [], f"tap targets too small (label, width, height): {layout['tooSmall']}"


@pytest.fixture
def phone(browser, live_url):
    context = new_context(browser, locale="en-GB", viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desk(browser, live_url):
    context = new_context(browser, locale="en-GB", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def test_a_customer_follows_the_order_on_a_phone_asks_support_and_returns_an_item(phone, desk, live_url, support_user):
    with time_machine.travel(SHIPPED, tick=False):
        order = place({"SHIRT": (2, "29.90"), "JEANS": (1, "89.00")}, payment_method="card")
        shipment = ship(order, {"SHIRT": 2, "JEANS": 1})
    with time_machine.travel(IN_TRANSIT, tick=False):
        record_tracking_event_by_hand(shipment=shipment, state=ShipmentState.IN_TRANSIT, occurred_at=IN_TRANSIT)
    shipment.refresh_from_db()
    assert shipment.expected_delivery_date is not None

    with time_machine.travel(IN_TRANSIT):
        # Found by number and e-mail, on the phone.
        phone.goto(f"{live_url}/track/")
        assert_fits_the_phone(phone)
        phone.get_by_label("Order number").fill(order.number)
        phone.get_by_label(re.compile("E-mail address or postcode", re.I)).fill(order.email)
        phone.get_by_role("button", name="Find my order").click()
        phone.wait_for_load_state()
        assert phone.get_by_role("heading", name=f"Order {order.number}").is_visible()

        # Tracking with the carrier's link, the expected delivery date, the invoice to download.
        parcel = phone.locator(".portal-shipment")
        assert "DHL" in parcel.inner_text()
        tracking = parcel.get_by_role("link", name=shipment.tracking_number)
        assert shipment.tracking_number in tracking.get_attribute("href")
        expected = shipment.expected_delivery_date
        shown = rf"Expected delivery\s+{expected:%A}, 0?{expected.day} {expected:%b}\w* {expected.year}"
        assert re.search(shown, parcel.inner_text()), parcel.inner_text()
        invoice = phone.get_by_role("link", name=re.compile(r"^Invoice .+ \(PDF\)$"))
        pdf = phone.request.get(live_url + invoice.get_attribute("href"))
        assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.body()[:5] == b"%PDF-"
        assert_fits_the_phone(phone)

        # A question for support.
        phone.get_by_text("Write to us").click()
        phone.get_by_label("What is it about?").select_option(index=1)
        phone.get_by_label("Your message").fill("Can the parcel be left with my neighbour at no. 3?")
        assert_fits_the_phone(phone)
        phone.get_by_role("button", name="Send message").click()
        phone.wait_for_load_state()
        assert phone.get_by_text("Can the parcel be left with my neighbour at no. 3?", exact=True).is_visible()
        order_page = phone.url

        # The agent answers from the support queue.
        login(desk, live_url, support_user.username, "pw-" + support_user.username)
        desk.goto(f"{live_url}/support/cases/")
        desk.get_by_role("row").filter(has_text=order.number).get_by_role("link").first.click()
        desk.wait_for_load_state()
        desk.get_by_label("Reply").fill("Yes, DHL will leave it with your neighbour.")
        desk.get_by_role("button", name="Send reply").click()
        desk.get_by_text("Yes, DHL will leave it with your neighbour.").wait_for()

        # The customer sees the reply (and has it by mail).
        phone.goto(order_page)
        assert phone.get_by_text("Yes, DHL will leave it with your neighbour.", exact=True).is_visible()
        assert_fits_the_phone(phone)
        assert any("Yes, DHL will leave it" in m.body for m in django_mail.outbox)

    with time_machine.travel(DELIVERED, tick=False):
        record_tracking_event_by_hand(shipment=shipment, state=ShipmentState.DELIVERED, occurred_at=DELIVERED)

    with time_machine.travel(LATER):
        # Days later the lookup's link has expired: the customer comes back by the link in the
        # "delivered" mail, and returns one shirt.
        phone.goto(order_page)
        assert phone.get_by_role("heading", name="This link has expired").is_visible()
        delivered_mail = [m for m in django_mail.outbox if order.email in m.to and "/track/" in m.body][-1]
        link = re.search(r"https?://[^/\s]+(/track/[^\s]+/)", delivered_mail.body).group(1)
        phone.goto(live_url + link)
        shipment.refresh_from_db()
        assert shipment.state == ShipmentState.DELIVERED, shipment.state
        assert "Delivered" in phone.locator("main").inner_text(), phone.locator("main").inner_text()
        assert_fits_the_phone(phone)
        phone.get_by_role("button", name="Return items").click()
        phone.wait_for_load_state()
        assert_fits_the_phone(phone)
        phone.get_by_role("spinbutton", name=re.compile("SHIRT")).fill("1")
        phone.get_by_label("Why are you sending it back?").select_option("does_not_fit")
        phone.get_by_role("button", name="Request the return").click()
        phone.wait_for_load_state()

        (rma,) = ReturnRequest.objects.filter(order=order)
        assert [(line.order_line.sku, line.quantity) for line in rma.lines.all()] == [("SHIRT", 1)]
        assert phone.get_by_text(f"We have your return request {rma.number}").is_visible()
        returns = phone.locator(".portal-returns")
        assert rma.number in returns.inner_text()
        assert_fits_the_phone(phone)
