"""Creating return requests: the window, quantities across requests, excluded products, the
auto-approval rule and the order's timeline."""

from __future__ import annotations

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation
from django_fsm import TransitionNotAllowed

from fulfillment.models import ShipmentState
from fulfillment.services.tracking import record_tracking_event_by_hand
from inventory.models import WithdrawalExclusion
from orders.models import EventKind
from returns.error_codes import ReturnErrorCode
from returns.exceptions import ReturnError
from returns.models import Condition, ReturnReason, ReturnRequest, ReturnState
from returns.services.receiving import receive_unit
from returns.services.requests import approve_return, create_return, reject_return
from tests.billing.flows import place, ship
from tests.returns.receiving_data import ASKED, approved_return
from tests.returns.receiving_data import delivered_order as returned_order

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(autouse=True)
def _english():
    """The timeline texts are checked in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


def _delivered_order(*, at: datetime.datetime, lines=None):
    with time_machine.travel(at - datetime.timedelta(days=2), tick=False):
        order = place(lines or {"SHIRT": (2, "29.90"), "JEANS": (1, "89.00")})
        shipment = ship(order, {line.sku: line.quantity for line in order.lines.all()})
    with time_machine.travel(at, tick=False):
        record_tracking_event_by_hand(shipment=shipment, state=ShipmentState.DELIVERED, occurred_at=at)
    order.refresh_from_db()
    return order


def _line(order, sku):
    return order.lines.get(sku=sku)


DELIVERED = datetime.datetime(2026, 3, 2, 23, 30, tzinfo=BERLIN)  # late on 2 March, Berlin time


def test_within_fourteen_days_of_delivery_a_small_return_is_approved_at_once_and_on_the_timeline(admin_user):
    order = _delivered_order(at=DELIVERED)
    with time_machine.travel(datetime.datetime(2026, 3, 16, 23, 0, tzinfo=BERLIN), tick=False):
        request = create_return(order, {_line(order, "SHIRT").pk: 1}, ReturnReason.DOES_NOT_FIT, by=admin_user)

    assert request.number == "RMA-2026-000001"
    assert request.state == ReturnState.APPROVED and request.auto_approved
    assert request.window_ends_on == datetime.date(2026, 3, 16)
    assert request.value == Decimal("29.90")
    with translation.override("en"):
        texts = [str(t) for t in order.events.filter(kind=EventKind.RETURN).values_list("message", flat=True)]
    assert any("RMA-2026-000001" in t and "requested" in t for t in texts)
    assert any("approved automatically" in t for t in texts)


def test_after_the_window_the_request_is_refused_unless_support_overrides_with_a_reason(admin_user):
    order = _delivered_order(at=DELIVERED)
    with time_machine.travel(datetime.datetime(2026, 3, 17, 0, 30, tzinfo=BERLIN), tick=False):
        with pytest.raises(ReturnError) as refused:
            create_return(
                order, {_line(order, "SHIRT").pk: 1}, ReturnReason.CHANGED_MIND, by=None, actor_label="portal"
            )
        assert refused.value.code == ReturnErrorCode.WINDOW_CLOSED
        assert not ReturnRequest.objects.exists()

        request = create_return(
            order,
            {_line(order, "SHIRT").pk: 1},
            ReturnReason.CHANGED_MIND,
            by=admin_user,
            channel_override_reason="Customer was in hospital",
        )

    assert request.state == ReturnState.REQUESTED  # outside the window: support decides
    assert request.window_override_reason == "Customer was in hospital"
    assert order.events.filter(message__contains="Customer was in hospital").exists()


def test_a_channel_with_a_longer_window_accepts_later_requests(admin_user):
    order = _delivered_order(at=DELIVERED)
    order.channel.return_window_days = 30
    order.channel.save(update_fields=["return_window_days"])
    with time_machine.travel(datetime.datetime(2026, 4, 1, 12, 0, tzinfo=BERLIN), tick=False):
        request = create_return(order, {_line(order, "SHIRT").pk: 1}, ReturnReason.DAMAGED, by=admin_user)
    assert request.window_ends_on == datetime.date(2026, 4, 1)


def test_quantities_never_exceed_shipped_minus_requested_across_requests(admin_user):
    order = _delivered_order(at=DELIVERED)
    shirt = _line(order, "SHIRT")
    with time_machine.travel(DELIVERED + datetime.timedelta(days=1), tick=False):
        create_return(order, {shirt.pk: 1}, ReturnReason.DOES_NOT_FIT, by=admin_user)
        with pytest.raises(ReturnError) as refused:
            create_return(order, {shirt.pk: 2}, ReturnReason.DOES_NOT_FIT, by=admin_user)
        assert refused.value.code == ReturnErrorCode.QUANTITY_EXCEEDS_RETURNABLE
        assert refused.value.data["lines"] == [{"sku": "SHIRT", "requested": 2, "returnable": 1}]
        second = create_return(order, {shirt.pk: 1}, ReturnReason.DOES_NOT_FIT, by=admin_user)
    assert second.number == "RMA-2026-000002"
    assert ReturnRequest.objects.count() == 2


def test_units_that_came_back_before_count_even_when_their_return_was_rejected(admin_user, warehouse_user):
    order = returned_order({"SHIRT": (2, "29.90")})
    shirt = order.lines.get(sku="SHIRT")
    first = approved_return(order, {"SHIRT": 1})
    receive_unit(first, code="SHIRT", condition=Condition.DAMAGED, user=warehouse_user)  # back, nothing accepted
    first.refresh_from_db()
    assert first.state == ReturnState.REJECTED  # it holds no units any more, but the unit is back
    events = order.events.count()

    with time_machine.travel(ASKED, tick=False):
        with pytest.raises(ReturnError) as refused:
            create_return(order, {shirt.pk: 2}, ReturnReason.DOES_NOT_FIT, by=admin_user)
        assert ReturnRequest.objects.count() == 1 and order.events.count() == events
        second = create_return(order, {shirt.pk: 1}, ReturnReason.DOES_NOT_FIT, by=admin_user)

    assert refused.value.code == ReturnErrorCode.QUANTITY_EXCEEDS_RETURNABLE
    assert refused.value.message.startswith("More units than were shipped and not yet returned (")
    assert refused.value.data["lines"] == [{"sku": "SHIRT", "requested": 2, "returnable": 1}]
    assert second.lines.get().quantity == 1


def test_a_line_never_shipped_or_of_another_order_is_refused(admin_user):
    with time_machine.travel(DELIVERED, tick=False):
        order = place({"SHIRT": (2, "29.90"), "JEANS": (1, "89.00")})
        ship(order, {"SHIRT": 2})
        other = place({"CAP": (1, "9.90")})
        with pytest.raises(ReturnError) as never_shipped:
            create_return(order, {_line(order, "JEANS").pk: 1}, ReturnReason.WRONG_ITEM, by=admin_user)
        with pytest.raises(ReturnError) as foreign:
            create_return(order, {_line(other, "CAP").pk: 1}, ReturnReason.WRONG_ITEM, by=admin_user)
    assert never_shipped.value.code == ReturnErrorCode.QUANTITY_EXCEEDS_RETURNABLE
    assert never_shipped.value.message.startswith("More units than were shipped and not yet returned (")
    assert "JEANS" in never_shipped.value.message
    assert foreign.value.code == ReturnErrorCode.UNKNOWN_LINE
    assert foreign.value.message == "An item does not belong to this order."
    assert not ReturnRequest.objects.exists()


def test_other_needs_words_and_an_unknown_reason_is_refused(admin_user):
    order = _delivered_order(at=DELIVERED)
    with time_machine.travel(DELIVERED, tick=False):
        with pytest.raises(ReturnError) as no_text:
            create_return(order, {_line(order, "SHIRT").pk: 1}, ReturnReason.OTHER, by=admin_user)
        with pytest.raises(ReturnError) as unknown:
            create_return(order, {_line(order, "SHIRT").pk: 1}, "bored", by=admin_user)
    assert no_text.value.code == ReturnErrorCode.REASON_TEXT_REQUIRED
    assert unknown.value.code == ReturnErrorCode.UNKNOWN_REASON


def test_expensive_or_conditionally_excluded_returns_wait_for_support_and_excluded_ones_need_an_override(admin_user):
    order = _delivered_order(at=DELIVERED, lines={"COAT": (1, "249.00"), "SOAP": (1, "4.90"), "MUG": (1, "19.90")})
    soap, mug = _line(order, "SOAP"), _line(order, "MUG")
    soap.product.withdrawal_exclusion = WithdrawalExclusion.SEALED_HYGIENE
    soap.product.save(update_fields=["withdrawal_exclusion"])
    mug.product.withdrawal_exclusion = WithdrawalExclusion.MADE_TO_ORDER
    mug.product.save(update_fields=["withdrawal_exclusion"])
    with time_machine.travel(DELIVERED + datetime.timedelta(days=3), tick=False):
        coat = create_return(order, {_line(order, "COAT").pk: 1}, ReturnReason.NOT_AS_DESCRIBED, by=admin_user)
        sealed = create_return(order, {soap.pk: 1}, ReturnReason.CHANGED_MIND, by=admin_user)
        with pytest.raises(ReturnError) as excluded:
            create_return(order, {mug.pk: 1}, ReturnReason.CHANGED_MIND, by=admin_user)
    assert coat.state == ReturnState.REQUESTED and sealed.state == ReturnState.REQUESTED
    assert excluded.value.code == ReturnErrorCode.EXCLUDED_PRODUCT

    approved = approve_return(coat, by=admin_user, reason="Photos show the defect")
    rejected = reject_return(sealed, by=admin_user, reason="Seal broken")
    assert approved.state == ReturnState.APPROVED and not approved.auto_approved
    assert rejected.state == ReturnState.REJECTED
    assert list(rejected.events.values_list("from_state", "to_state", "reason")) == [
        ("", "requested", ""),
        ("requested", "rejected", "Seal broken"),
    ]
    # A rejected request gives its units back.
    with time_machine.travel(DELIVERED + datetime.timedelta(days=4), tick=False):
        again = create_return(order, {soap.pk: 1}, ReturnReason.DAMAGED, by=admin_user)
    assert again.state == ReturnState.REQUESTED


def test_the_state_is_protected_and_illegal_moves_are_refused(admin_user):
    order = _delivered_order(at=DELIVERED)
    with time_machine.travel(DELIVERED, tick=False):
        request = create_return(order, {_line(order, "SHIRT").pk: 1}, ReturnReason.DAMAGED, by=admin_user)
    with pytest.raises(AttributeError):
        request.state = ReturnState.REFUNDED
    with pytest.raises(TransitionNotAllowed):
        request.refund()
    with pytest.raises(Exception) as illegal:
        reject_return(request, by=admin_user, reason="late")
    assert getattr(illegal.value, "code", "") == "illegal_transition"
    request.refresh_from_db()
    assert request.state == ReturnState.APPROVED
