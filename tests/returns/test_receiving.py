"""Receiving and inspecting a return parcel: resellable units back into a bin, damaged ones
booked in as blocked (and scrapped from there), missing ones recorded, never more than approved,
nothing against a rejected or cancelled return; the order line's returned quantity follows."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from inventory import availability
from inventory.models import BinStock, MovementKind, StockLevel, StockMovement
from orders.models import EventKind
from returns.error_codes import ReturnErrorCode
from returns.exceptions import ReturnError
from returns.models import Condition, ReturnRequest, ReturnState, ReturnUnit
from returns.services.receiving import find_return, finish_inspection, receive_unit, scrap_damaged_units
from returns.services.requests import cancel_return, reject_return
from tests.inventory.conftest import assert_ledger_balances
from tests.returns.receiving_data import approved_return, delivered_order, returns_bin

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _level(sku: str) -> StockLevel:
    return StockLevel.objects.get(product__sku=sku)


def _line(request: ReturnRequest, sku: str):
    return request.lines.get(order_line__sku=sku)


def test_a_resellable_unit_goes_back_into_the_chosen_bin_and_becomes_available(warehouse_user):
    order = delivered_order()
    request = approved_return(order, {"SHIRT": 1, "JEANS": 1})
    assert request.state == ReturnState.APPROVED
    bin_ = returns_bin()
    before = availability.available(_level("SHIRT"))

    received = receive_unit(request, code="shirt", condition=Condition.RESELLABLE, bin=bin_, user=warehouse_user)

    request.refresh_from_db()
    assert request.state == ReturnState.RECEIVED and not received.inspected
    movement = StockMovement.objects.get(kind=MovementKind.RETURN, reference=request.number)
    assert (movement.quantity, movement.blocked_change, movement.bin) == (1, 0, bin_)
    assert BinStock.objects.get(bin=bin_).quantity == 1
    assert availability.available(_level("SHIRT")) == before + 1
    assert order.lines.get(sku="SHIRT").quantity_returned == 1
    line = _line(request, "SHIRT")
    assert (line.quantity_received, line.quantity_restocked, line.quantity_damaged) == (1, 1, 0)
    assert order.events.filter(kind=EventKind.RETURN, message__contains="arrived in warehouse BER").exists()
    assert_ledger_balances()


def test_a_damaged_unit_is_booked_in_blocked_so_sellable_stock_never_changes_and_is_scrapped_from_there(
    warehouse_user,
):
    order = delivered_order()
    request = approved_return(order, {"JEANS": 1})
    level = _level("JEANS")
    on_hand, sellable = level.on_hand, availability.available(level)

    received = receive_unit(request, code="JEANS", condition=Condition.DAMAGED, user=warehouse_user)

    level.refresh_from_db()
    assert (level.on_hand, level.blocked, availability.available(level)) == (on_hand + 1, 1, sellable)
    movement = StockMovement.objects.get(reference=request.number)
    assert (movement.kind, movement.quantity, movement.blocked_change) == (MovementKind.RETURN, 1, 1)
    assert received.inspected  # the only unit: the return is inspected, and closed (nothing to refund)
    request.refresh_from_db()
    assert request.state == ReturnState.REJECTED
    assert order.lines.get(sku="JEANS").quantity_returned == 1

    line = scrap_damaged_units(
        request, line_id=_line(request, "JEANS").pk, quantity=1, reason="Torn", user=warehouse_user
    )

    level.refresh_from_db()
    assert (level.on_hand, level.blocked, availability.available(level)) == (on_hand, 0, sellable)
    assert line.quantity_scrapped == 1
    assert StockMovement.objects.filter(kind=MovementKind.SCRAP, reference=request.number, quantity=-1).exists()
    with pytest.raises(ReturnError) as again:
        scrap_damaged_units(request, line_id=line.pk, quantity=1, reason="Torn", user=warehouse_user)
    assert again.value.code == ReturnErrorCode.NOTHING_TO_SCRAP
    assert_ledger_balances()


def test_received_never_exceeds_approved_and_the_extra_unit_books_nothing(warehouse_user):
    order = delivered_order()
    request = approved_return(order, {"SHIRT": 1, "JEANS": 1})
    bin_ = returns_bin()
    receive_unit(request, code="SHIRT", condition=Condition.RESELLABLE, bin=bin_, user=warehouse_user)
    movements = StockMovement.objects.count()

    with pytest.raises(ReturnError) as extra:
        receive_unit(request, code="SHIRT", condition=Condition.RESELLABLE, bin=bin_, user=warehouse_user)

    assert extra.value.code == ReturnErrorCode.ALREADY_RECEIVED
    assert StockMovement.objects.count() == movements
    assert _line(request, "SHIRT").quantity_received == 1
    assert order.lines.get(sku="SHIRT").quantity_returned == 1


def test_an_item_not_on_the_return_or_a_resellable_one_without_bin_is_refused_and_nothing_changes(warehouse_user):
    order = delivered_order()
    request = approved_return(order, {"SHIRT": 1})
    movements = StockMovement.objects.count()

    with pytest.raises(ReturnError) as other:
        receive_unit(request, code="JEANS", condition=Condition.RESELLABLE, bin=returns_bin(), user=warehouse_user)
    with pytest.raises(ReturnError) as no_bin:
        receive_unit(request, code="SHIRT", condition=Condition.RESELLABLE, bin=None, user=warehouse_user)
    with pytest.raises(ReturnError) as condition:
        receive_unit(request, code="SHIRT", condition="lost", bin=returns_bin(), user=warehouse_user)

    assert other.value.code == ReturnErrorCode.ITEM_NOT_ON_RETURN
    assert no_bin.value.code == ReturnErrorCode.BIN_REQUIRED
    assert condition.value.code == ReturnErrorCode.UNKNOWN_CONDITION
    request.refresh_from_db()
    assert request.state == ReturnState.APPROVED
    assert StockMovement.objects.count() == movements
    assert not ReturnUnit.objects.exists()


def test_receiving_against_a_rejected_or_cancelled_return_says_so_and_changes_nothing(support_user, warehouse_user):
    order = delivered_order({"SHIRT": (2, "99.00")})  # over the auto-approval limit: waits for support
    request = approved_return(order, {"SHIRT": 2})
    assert request.state == ReturnState.REQUESTED
    with pytest.raises(ReturnError) as waiting:
        receive_unit(request, code="SHIRT", condition=Condition.DAMAGED, user=warehouse_user)
    assert waiting.value.code == ReturnErrorCode.NOT_RECEIVABLE
    reject_return(request, by=support_user, reason="Worn")
    movements = StockMovement.objects.count()

    with pytest.raises(ReturnError) as rejected:
        receive_unit(request, code="SHIRT", condition=Condition.DAMAGED, user=warehouse_user)
    with pytest.raises(ReturnError) as finishing:
        finish_inspection(request, user=warehouse_user)

    assert rejected.value.code == ReturnErrorCode.NOT_RECEIVABLE
    assert "rejected (Worn)" in rejected.value.message
    assert finishing.value.code == ReturnErrorCode.NOT_RECEIVABLE
    assert StockMovement.objects.count() == movements
    assert order.lines.get(sku="SHIRT").quantity_returned == 0


def test_receiving_against_a_cancelled_return_says_so_and_changes_nothing(warehouse_user, warehouse_client):
    order = delivered_order()
    request = approved_return(order, {"SHIRT": 1})
    cancel_return(request, by=None, reason="Kundin behält den Artikel", actor_label="portal")
    bin_ = returns_bin()
    movements, events, on_hand = StockMovement.objects.count(), order.events.count(), _level("SHIRT").on_hand

    with pytest.raises(ReturnError) as cancelled:
        receive_unit(request, code="SHIRT", condition=Condition.RESELLABLE, bin=bin_, user=warehouse_user)
    with pytest.raises(ReturnError) as finishing:
        finish_inspection(request, user=warehouse_user)
    scanned = warehouse_client.post(
        reverse("returns:warehouse-return-scan", kwargs={"number": request.number}),
        {"code": "SHIRT", "condition": "resellable", "bin": bin_.code},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert cancelled.value.code == finishing.value.code == ReturnErrorCode.NOT_RECEIVABLE
    assert cancelled.value.message == (
        f"Return {request.number} was cancelled (Kundin behält den Artikel): receive nothing, "
        "put the parcel aside for support."
    )
    assert scanned.status_code == 422 and "was cancelled" in scanned.content.decode()
    request.refresh_from_db()
    assert request.state == ReturnState.CANCELLED
    assert StockMovement.objects.count() == movements and _level("SHIRT").on_hand == on_hand
    assert order.events.count() == events and not ReturnUnit.objects.exists()
    assert order.lines.get(sku="SHIRT").quantity_returned == 0


def test_finishing_records_what_never_came_as_missing_and_books_nothing_for_it(warehouse_user):
    order = delivered_order()
    request = approved_return(order, {"SHIRT": 2, "JEANS": 1})
    receive_unit(request, code="SHIRT", condition=Condition.RESELLABLE, bin=returns_bin(), user=warehouse_user)
    movements = StockMovement.objects.count()

    finish_inspection(request, user=warehouse_user)

    request.refresh_from_db()
    assert request.state in (ReturnState.INSPECTED, ReturnState.REFUNDED)
    assert (_line(request, "SHIRT").quantity_missing, _line(request, "JEANS").quantity_missing) == (1, 1)
    assert StockMovement.objects.count() == movements
    assert ReturnUnit.objects.filter(condition=Condition.MISSING).count() == 2
    assert order.lines.get(sku="JEANS").quantity_returned == 0
    assert order.events.filter(message__contains="1 resellable, 0 damaged, 2 missing").exists()


def test_the_return_is_found_by_its_rma_number_or_its_return_tracking_number():
    order = delivered_order()
    request = approved_return(order, {"SHIRT": 1})
    ReturnRequest.objects.filter(pk=request.pk).update(tracking_number="RET123456")

    assert find_return(request.number.lower()) == request
    assert find_return("RET123456") == request
    assert find_return("") is None and find_return("nothing") is None
