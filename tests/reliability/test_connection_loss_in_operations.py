"""PostgreSQL connections killed in the middle of wave building, invoice issuing and return
receiving: the operation fails with the database error (which every page and the API answer as a
clean 503, ``test_database_connection_loss``), nothing of it is written, and the same operation
succeeds once the connection is back.

The fault is ``pg_terminate_backend`` on the test's own backend, fired from inside the operation's
transaction after it has written part of its rows, as a failover or an administrator would.
"""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection
from django.utils import translation

import billing.services.issuing
import fulfillment.services.planning
import returns.services.receiving
from billing.models import ChannelBilling, Invoice, IssueOn, NumberCounter
from billing.services.issuing import issue_invoice_for_order
from fulfillment.models import PickLine, PickList, Shipment
from fulfillment.services.planning import WaveRule, build_wave
from inventory.models import StockLevel, StockMovement
from orders.models import Order, OrderEvent, OrderState
from returns.models import Condition, ReturnState, ReturnUnit
from returns.services.receiving import receive_unit
from tests.billing.flows import place
from tests.fulfillment.warehouse_data import allocated_order, channel, make_bin, make_warehouse, stock_in_bins
from tests.inventory.conftest import assert_ledger_balances
from tests.reliability.test_database_connection_loss import _one_shot
from tests.returns.receiving_data import approved_return, delivered_order, returns_bin

pytestmark = [pytest.mark.reliability, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _fails_on_a_dead_connection(operation) -> None:
    with pytest.raises(DatabaseError):
        operation()
    connection.close()  # as Django does at the end of the request that met the dead connection


def test_a_wave_whose_connection_dies_leaves_every_order_waiting_and_the_next_wave_takes_them(monkeypatch):
    berlin = make_warehouse()
    stock_in_bins("MUG-1", {make_bin(berlin, "A-01-01", 10): 20})
    shop = channel()
    orders = [allocated_order(shop, {"MUG-1": 1}) for _ in range(3)]
    fired: list = []
    # The pick list, the shipments and their lines are written; the pick lines are next.
    monkeypatch.setattr(
        fulfillment.services.planning,
        "_write_pick_lines",
        _one_shot(fulfillment.services.planning._write_pick_lines, fired),
    )

    _fails_on_a_dead_connection(lambda: build_wave(warehouse=berlin, rule=WaveRule(max_orders=10)))

    assert fired, "the fault was not injected"
    assert PickList.objects.count() == 0 and Shipment.objects.count() == 0 and PickLine.objects.count() == 0
    assert set(Order.objects.values_list("state", flat=True)) == {OrderState.ALLOCATED}
    assert not OrderEvent.objects.filter(to_state=OrderState.IN_FULFILLMENT).exists()

    wave = build_wave(warehouse=berlin, rule=WaveRule(max_orders=10))
    assert wave.shipments.count() == 3 and wave.lines.count() == 3
    assert {o.state for o in Order.objects.filter(pk__in=[o.pk for o in orders])} == {OrderState.IN_FULFILLMENT}


def test_an_invoice_whose_connection_dies_takes_no_number_and_the_retry_gets_the_first_one(monkeypatch):
    order = place({"SKU-1": (2, "10.00")}, channel_code="b2b")
    ChannelBilling.objects.create(channel=order.channel, issue_on=IssueOn.CONFIRMATION)
    fired: list = []
    # The number is taken from the locked counter and the invoice row is written; its lines are next.
    monkeypatch.setattr(
        billing.services.issuing, "_insert_lines", _one_shot(billing.services.issuing._insert_lines, fired)
    )

    _fails_on_a_dead_connection(lambda: issue_invoice_for_order(order_id=order.pk))

    assert fired, "the fault was not injected"
    assert Invoice.objects.count() == 0
    assert list(NumberCounter.objects.values_list("last", flat=True)) in ([], [0])  # the number was not used up

    invoice = issue_invoice_for_order(order_id=order.pk)
    assert invoice.number == f"RE-{invoice.invoice_date.year}-000001"
    assert invoice.lines.count() == 1 and invoice.total == order.total


def test_a_return_unit_whose_connection_dies_books_nothing_and_the_rescan_books_it_once(monkeypatch, warehouse_user):
    order = delivered_order({"SHIRT": (2, "19.90")})
    request = approved_return(order, {"SHIRT": 1})
    bin_ = returns_bin()
    level_before = StockLevel.objects.values("on_hand", "blocked", "reserved").get(product__sku="SHIRT")
    movements_before = StockMovement.objects.count()
    fired: list = []
    # The return is marked received and the order line's returned units raised; the stock is next.
    monkeypatch.setattr(
        returns.services.receiving, "return_stock", _one_shot(returns.services.receiving.return_stock, fired)
    )

    _fails_on_a_dead_connection(
        lambda: receive_unit(request, code="SHIRT", condition=Condition.RESELLABLE, bin=bin_, user=warehouse_user)
    )

    assert fired, "the fault was not injected"
    request.refresh_from_db()
    assert request.state == ReturnState.APPROVED
    assert request.lines.get().quantity_received == 0 and ReturnUnit.objects.count() == 0
    assert order.lines.get(sku="SHIRT").quantity_returned == 0
    assert StockLevel.objects.values("on_hand", "blocked", "reserved").get(product__sku="SHIRT") == level_before
    assert StockMovement.objects.count() == movements_before

    received = receive_unit(request, code="SHIRT", condition=Condition.RESELLABLE, bin=bin_, user=warehouse_user)
    assert received.inspected and ReturnUnit.objects.count() == 1
    assert order.lines.get(sku="SHIRT").quantity_returned == 1
    assert StockLevel.objects.get(product__sku="SHIRT").on_hand == level_before["on_hand"] + 1
    assert_ledger_balances()
