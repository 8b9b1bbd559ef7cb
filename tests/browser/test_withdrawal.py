"""The withdrawal button in Chromium: a guest withdraws from a delivered order in two steps on a
phone, gets the acknowledgement by mail, and support finds it in its queues; after the period the
control is gone and the page says why. The clock is frozen at fixed dates (no dependence on today)."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail as django_mail

from fulfillment.models import ShipmentState
from fulfillment.services.tracking import record_tracking_event_by_hand
from oms.models import CustomerMail
from orders.portal_links import portal_path
from returns.models import ReturnReason, Withdrawal
from tests.billing.flows import place, ship
from tests.browser.conftest import login, new_context
from tests.browser.test_portal import PHONE, assert_fits_the_phone

BERLIN = ZoneInfo("Europe/Berlin")
PLACED = datetime.datetime(2026, 6, 22, 10, 0, tzinfo=BERLIN)
DELIVERED = datetime.datetime(2026, 6, 25, 14, 0, tzinfo=BERLIN)
WITHIN = datetime.datetime(2026, 7, 1, 9, 15, tzinfo=BERLIN)  # day 6 of 14
AFTER = datetime.datetime(2026, 7, 20, 11, 0, tzinfo=BERLIN)  # the period ended on 9 July

pytestmark = pytest.mark.django_db(transaction=True)


def _delivered_order():
    with time_machine.travel(PLACED, tick=False):
        order = place({"SHIRT": (2, "29.90"), "JEANS": (1, "89.00")}, payment_method="card")
    with time_machine.travel(PLACED + datetime.timedelta(days=1), tick=False):
        shipment = ship(order, {"SHIRT": 2, "JEANS": 1})
    with time_machine.travel(DELIVERED, tick=False):
        record_tracking_event_by_hand(shipment=shipment, state=ShipmentState.DELIVERED, occurred_at=DELIVERED)
    order.refresh_from_db()
    return order


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


def test_a_guest_withdraws_in_two_steps_gets_the_acknowledgement_and_support_sees_it(
    phone, desk, live_url, support_user
):
    order = _delivered_order()
    jeans = order.lines.get(sku="JEANS")

    with time_machine.travel(WITHIN):
        phone.goto(live_url + portal_path(order.pk))  # the signed link of the order's mails
        withdrawal = phone.locator(".portal-withdrawal")
        assert "You can withdraw from this contract until" in withdrawal.inner_text()
        assert_fits_the_phone(phone)

        # Step 1: name and order (filled in from the order), the jeans only.
        withdrawal.get_by_role("button", name="Withdraw from contract").click()
        phone.wait_for_load_state()
        assert phone.get_by_role("heading", name="Withdraw from contract").is_visible()
        assert phone.get_by_label("Your name").input_value() == "Erika Mustermann"
        assert phone.get_by_label("Order number").input_value() == order.number
        phone.get_by_label(re.compile(r"1 x .*JEANS")).check()
        assert_fits_the_phone(phone)
        phone.get_by_role("button", name="Continue").click()
        phone.wait_for_load_state()

        # Step 2: the declaration to confirm; nothing is declared before the button.
        assert phone.get_by_role("heading", name="Confirm withdrawal").is_visible()
        summary = phone.locator(".portal-declaration").inner_text()
        assert "Erika Mustermann" in summary and order.number in summary and "JEANS" in summary
        assert "SHIRT" not in summary
        assert not Withdrawal.objects.exists()
        assert_fits_the_phone(phone)
        phone.get_by_role("button", name="Confirm withdrawal").click()
        phone.wait_for_load_state()

        (declared,) = Withdrawal.objects.all()
        at = declared.declared_at.astimezone(BERLIN)
        assert phone.get_by_text("We received your withdrawal on").is_visible()
        assert f"{at:%H:%M:%S}" in phone.locator(".portal-withdrawal").inner_text()
        assert_fits_the_phone(phone)

    # The acknowledgement on a durable medium: sent by mail with date, time and content.
    assert list(declared.returned) == [str(jeans.pk)]
    request = declared.return_request
    assert request.reason == ReturnReason.WITHDRAWAL
    (acknowledgement,) = CustomerMail.objects.filter(kind="withdrawal_acknowledgement")
    assert acknowledgement.to == order.email and acknowledgement.status == "sent"
    (sent,) = [m for m in django_mail.outbox if m.to == [order.email] and "I hereby withdraw" in m.body]
    assert f"{at:%H:%M:%S}" in sent.body and order.number in sent.body and "JEANS" in sent.body
    assert request.number in sent.body

    # Support sees it in its case queue, with the declaration as the customer confirmed it.
    with time_machine.travel(WITHIN + datetime.timedelta(hours=1)):
        login(desk, live_url, support_user.username, "pw-" + support_user.username)
        desk.goto(f"{live_url}/support/cases/")
        row = desk.get_by_role("row").filter(has_text=order.number)
        assert re.search("withdraw|widerruf", row.inner_text(), re.I)
        row.get_by_role("link").first.click()
        desk.wait_for_load_state()
        case_page = desk.locator("main").inner_text()
        assert "I hereby withdraw" in case_page and f"{at:%H:%M:%S}" in case_page


def test_after_the_period_the_control_is_gone_and_the_page_says_why(phone, live_url):
    order = _delivered_order()

    with time_machine.travel(AFTER):
        phone.goto(live_url + portal_path(order.pk))
        withdrawal = phone.locator(".portal-withdrawal")
        assert withdrawal.get_by_role("button", name="Withdraw from contract").count() == 0
        assert withdrawal.get_by_role("link", name="Withdraw from contract").count() == 0
        assert "The withdrawal period for this order ended on 9 Jul 2026 (14 days after delivery)" in (
            withdrawal.inner_text()
        )
        assert_fits_the_phone(phone)

        # The form's address, typed in: it says why as well and offers nothing to press.
        phone.goto(live_url + portal_path(order.pk) + "withdraw/")
        assert "The withdrawal period for this order ended on 9 Jul 2026" in phone.locator("main").inner_text()
        assert phone.get_by_role("button", name="Continue").count() == 0

    assert not Withdrawal.objects.exists()
