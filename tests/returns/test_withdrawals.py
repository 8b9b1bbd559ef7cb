"""The portal's withdrawal function: two steps for guests, the declaration stored immutably and
acknowledged by mail, support's queue, what happens to unshipped, travelling and delivered units,
and the end of the period (the clock is frozen in every test)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import translation

from fulfillment.models import ShipmentState
from fulfillment.services.tracking import record_tracking_event_by_hand
from inventory.models import WithdrawalExclusion
from oms import privacy
from oms.mail import render_mail
from oms.models import CustomerMail
from orders.models import OrderState, PaymentTransaction, SupportCase, TransactionKind
from orders.portal_links import portal_path
from orders.selectors.cases import case_queue
from returns.error_codes import ReturnErrorCode
from returns.exceptions import ReturnError
from returns.models import ImmutableRowError, ReturnReason, ReturnRequest, Withdrawal
from returns.services.withdrawals import declare_withdrawal
from tests.billing.flows import place, ship

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
PLACED = datetime.datetime(2026, 6, 22, 10, 0, tzinfo=BERLIN)
DELIVERED = datetime.datetime(2026, 6, 25, 14, 0, tzinfo=BERLIN)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def guest():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def _order(payment_method="card", lines=None):
    with time_machine.travel(PLACED, tick=False):
        return place(lines or {"SHIRT": (2, "29.90"), "JEANS": (1, "89.00")}, payment_method=payment_method)


def _deliver(order, units):
    with time_machine.travel(PLACED + datetime.timedelta(days=1), tick=False):
        shipment = ship(order, units)
    with time_machine.travel(DELIVERED, tick=False):
        record_tracking_event_by_hand(shipment=shipment, state=ShipmentState.DELIVERED, occurred_at=DELIVERED)
    return shipment


def _confirm(client, order, **data):
    fields = {"name": "Erika Mustermann", "order_number": order.number, **data}
    return client.post(portal_path(order.pk) + "withdraw/confirm/", fields)


def test_a_guest_withdraws_in_two_steps_and_gets_the_acknowledgement_with_date_time_and_content(guest):
    order = _order()
    _deliver(order, {"SHIRT": 2, "JEANS": 1})
    at = datetime.datetime(2026, 7, 1, 9, 15, 30, tzinfo=BERLIN)
    with time_machine.travel(at, tick=False):
        page = guest.get(portal_path(order.pk)).content.decode()
        assert "Withdraw from contract" in page and reverse("returns:portal-withdraw", args=["x"])[:-11] in page
        step_one = guest.get(portal_path(order.pk) + "withdraw/")
        assert step_one.status_code == 200 and 'name="name"' in step_one.content.decode()

        step_two = guest.post(
            portal_path(order.pk) + "withdraw/", {"name": "Erika Mustermann", "order_number": order.number}
        )
        assert step_two.status_code == 200
        assert "Confirm withdrawal" in step_two.content.decode()
        assert not Withdrawal.objects.exists()  # nothing is declared before the confirmation

        done = _confirm(guest, order)

    assert done.status_code == 302 and done["Location"].startswith(portal_path(order.pk)[:7])
    withdrawal = Withdrawal.objects.get()
    assert withdrawal.declared_at == at and withdrawal.name == "Erika Mustermann" and withdrawal.whole_order
    assert "I hereby withdraw from the contract" in withdrawal.text and order.number in withdrawal.text
    assert "Declared on 1 Jul 2026 at 09:15:30" in withdrawal.text
    assert "09:15:30" in withdrawal.text
    request = withdrawal.return_request
    assert request.reason == ReturnReason.WITHDRAWAL
    assert {line.order_line.sku: line.quantity for line in request.lines.all()} == {"SHIRT": 2, "JEANS": 1}

    mail = CustomerMail.objects.get(kind="withdrawal_acknowledgement")
    assert mail.to == order.email
    rendered = render_mail(mail.kind, subject_id=mail.subject_id, language="en")
    assert "09:15:30" in rendered.text and "I hereby withdraw" in rendered.text and request.number in rendered.text
    german = render_mail(mail.kind, subject_id=mail.subject_id, language="de")
    assert "Widerruf" in german.subject

    case = SupportCase.objects.get(pk=withdrawal.case_id)
    assert case in list(case_queue())
    assert "Withdrawal" in case.subject or "Widerruf" in case.subject
    with time_machine.travel(at, tick=False):
        page = guest.get(portal_path(order.pk)).content.decode()
    assert "You withdrew from this contract" in page and "09:15:30" in page


def test_units_not_yet_shipped_are_cancelled_and_paid_money_goes_back_at_once():
    order = _order(payment_method="card")
    with time_machine.travel(PLACED + datetime.timedelta(hours=2), tick=False):
        withdrawal = declare_withdrawal(order, name="Erika Mustermann", order_number=order.number)

    order.refresh_from_db()
    assert order.state == OrderState.CANCELLED
    assert withdrawal.return_request is None
    assert withdrawal.cancelled == {str(line.pk): line.quantity for line in order.lines.all()}
    captured = PaymentTransaction.objects.get(order=order, kind=TransactionKind.CAPTURE).amount
    refunds = PaymentTransaction.objects.filter(order=order, kind=TransactionKind.REFUND)
    assert sum(t.amount for t in refunds) == withdrawal.refunded == captured == Decimal("153.70")


def test_chosen_items_on_their_way_come_back_by_a_return_and_the_rest_stays():
    order = _order(payment_method="invoice")
    with time_machine.travel(PLACED + datetime.timedelta(days=1), tick=False):
        ship(order, {"SHIRT": 2})  # handed to the carrier, not delivered: the period has not started
    shirt = order.lines.get(sku="SHIRT")
    with time_machine.travel(PLACED + datetime.timedelta(days=2), tick=False):
        withdrawal = declare_withdrawal(order, name="Erika Mustermann", order_number=order.number, line_ids=[shirt.pk])

    assert not withdrawal.whole_order and withdrawal.cancelled == {}
    assert withdrawal.returned == {str(shirt.pk): 2}
    assert withdrawal.return_request.lines.get().quantity == 2
    order.refresh_from_db()
    assert order.lines.get(sku="JEANS").quantity_cancelled == 0


def test_after_the_period_the_control_is_gone_the_page_says_why_and_a_declaration_is_refused(guest):
    order = _order()
    _deliver(order, {"SHIRT": 2, "JEANS": 1})
    with time_machine.travel(datetime.datetime(2026, 7, 10, 0, 5, tzinfo=BERLIN), tick=False):  # 15 days later
        page = guest.get(portal_path(order.pk)).content.decode()
        assert "Withdraw from contract" not in page
        assert "The withdrawal period for this order ended on" in page
        with pytest.raises(ReturnError) as refused:
            declare_withdrawal(order, name="Erika Mustermann", order_number=order.number)
        assert refused.value.code == ReturnErrorCode.WITHDRAWAL_CLOSED
        response = _confirm(guest, order)
        assert response.status_code == 422 and "ended on" in response.content.decode()
    assert not Withdrawal.objects.exists() and not ReturnRequest.objects.exists()


def test_the_last_day_of_the_period_still_counts():
    order = _order()
    _deliver(order, {"SHIRT": 2, "JEANS": 1})
    with time_machine.travel(datetime.datetime(2026, 7, 9, 23, 59, tzinfo=BERLIN), tick=False):
        assert declare_withdrawal(order, name="Erika Mustermann", order_number=order.number).pk


def test_excluded_products_are_not_offered_and_cannot_be_chosen(guest):
    order = _order(lines={"SHIRT": (1, "29.90"), "CUSTOM": (1, "49.00")})
    custom = order.lines.get(sku="CUSTOM")
    custom.product.withdrawal_exclusion = WithdrawalExclusion.MADE_TO_ORDER
    custom.product.save(update_fields=["withdrawal_exclusion"])
    with time_machine.travel(PLACED + datetime.timedelta(hours=1), tick=False):
        form = guest.get(portal_path(order.pk) + "withdraw/").content.decode()
        assert "is excluded from the right of withdrawal" in form
        response = _confirm(guest, order, items=[custom.pk])
        assert response.status_code == 422
        withdrawal = declare_withdrawal(order, name="Erika Mustermann", order_number=order.number)
    assert [item["sku"] for item in withdrawal.items] == ["SHIRT"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "   "}, "This field is required"),
        ({"order_number": "2026-999999"}, "Enter the number of this order"),
        ({"items": ["abc"]}, "cannot be withdrawn from"),
        ({"items": ["987654"]}, "cannot be withdrawn from"),
    ],
)
def test_bad_input_is_refused_with_the_reason_and_stores_nothing(guest, data, message):
    order = _order()
    with time_machine.travel(PLACED + datetime.timedelta(hours=1), tick=False):
        response = _confirm(guest, order, **data)
    assert response.status_code == 422 and message in response.content.decode()
    assert not Withdrawal.objects.exists()


def test_a_forged_link_opens_nothing_and_withdraws_nothing(guest):
    order = _order()
    token = portal_path(order.pk).split("/")[2]
    with time_machine.travel(PLACED + datetime.timedelta(hours=1), tick=False):
        response = guest.post(f"/track/{token[:-2]}xx/withdraw/confirm/", {"name": "X", "order_number": order.number})
    assert response.status_code == 404 and not Withdrawal.objects.exists()


def test_withdrawal_posts_are_rate_limited_per_order(guest, settings):
    settings.PORTAL_ACTIONS_PER_ORDER_HOUR = 2
    order = _order()
    with time_machine.travel(PLACED + datetime.timedelta(hours=1), tick=False):
        for _ in range(2):
            guest.post(portal_path(order.pk) + "withdraw/", {"name": "", "order_number": order.number})
        response = guest.post(portal_path(order.pk) + "withdraw/", {"name": "E", "order_number": order.number})
    assert response.status_code == 429


def test_the_declaration_cannot_be_changed_or_deleted_even_in_sql():
    order = _order()
    with time_machine.travel(PLACED + datetime.timedelta(hours=1), tick=False):
        withdrawal = declare_withdrawal(order, name="Erika Mustermann", order_number=order.number)
    with pytest.raises(ImmutableRowError):
        withdrawal.save()
    with pytest.raises(ImmutableRowError):
        withdrawal.delete()
    statements = ["UPDATE returns_withdrawal SET name = 'Mallory'"]
    if connection.vendor == "postgresql":
        # SQLite refuses the UPDATE only: Django empties its tables with DELETE (a test's
        # teardown, ``manage.py flush``), which a trigger cannot tell from any other DELETE.
        statements.append("DELETE FROM returns_withdrawal")
    for sql in statements:
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert Withdrawal.objects.get().name == "Erika Mustermann"


def test_only_erasure_mode_lets_the_declaration_change_and_only_until_it_ends():
    """On PostgreSQL and on SQLite alike: the erasure's pseudonymisation passes the trigger; right
    after it, in the same transaction, and in an erasure that failed, nothing does."""
    order = _order()
    with time_machine.travel(PLACED + datetime.timedelta(hours=1), tick=False):
        withdrawal = declare_withdrawal(order, name="Erika Mustermann", order_number=order.number)
    rows = Withdrawal.objects.filter(pk=withdrawal.pk)

    with privacy.erasure_mode():
        rows.update(name=privacy.ERASED)
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.update(name="Mallory")
    with pytest.raises(RuntimeError), privacy.erasure_mode():
        rows.update(name="half erased")
        raise RuntimeError("the erasure failed")
    with pytest.raises(IntegrityError), transaction.atomic():
        rows.update(name="Mallory")

    assert rows.get().name == privacy.ERASED
