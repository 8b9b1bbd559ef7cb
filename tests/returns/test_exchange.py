"""Exchange: support resolves a return by replacement items; once inspected the accepted return
becomes a zero-price order linked to the original (both order pages show the link), allocated
like any order (backordered when the replacement is out of stock), and the return is exchanged
with no credit note or refund. Bad input changes nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import CreditNote
from oms.exceptions import IllegalTransitionError
from orders.models import Order, OrderState, TransactionKind
from returns.exceptions import ReturnError
from returns.models import ReturnState
from returns.services.receiving import receive_unit
from returns.services.resolution import choose_exchange
from tests.reliability import ordering
from tests.returns.receiving_data import approved_return, delivered_order, returns_bin

pytestmark = pytest.mark.django_db


def _refunds(order: Order) -> int:
    return order.payment_transactions.filter(kind=TransactionKind.REFUND).count()


def test_an_exchanged_return_becomes_a_zero_price_order_allocated_and_linked_both_ways(support_client):
    order = delivered_order()
    Order.objects.filter(pk=order.pk).update(shipping_line2="Hinterhaus, 3. OG", billing_line2="c/o Büro")
    ordering.make_product("SHIRT-L", units=5, price="29.90")
    rma = approved_return(order, {"SHIRT": 1})
    choose_exchange(rma, {"shirt-l": 1}, by=None)  # the SKU as typed, any case

    receive_unit(rma, code="SHIRT", condition="resellable", bin=returns_bin())

    rma.refresh_from_db()
    assert rma.state == ReturnState.EXCHANGED and rma.exchange_order is not None
    replacement = rma.exchange_order
    assert replacement.replacement_for_id == order.pk and list(order.replacements.all()) == [replacement]
    assert replacement.customer_id == order.customer_id and replacement.shipping_street == order.shipping_street
    assert (replacement.shipping_line2, replacement.billing_line2) == ("Hinterhaus, 3. OG", "c/o Büro")
    [line] = replacement.lines.all()
    assert (line.sku, line.quantity, line.line_total) == ("SHIRT-L", 1, Decimal("0.00"))
    assert replacement.total == Decimal("0.00")
    assert replacement.state == OrderState.ALLOCATED  # reserved like any order
    assert not CreditNote.objects.filter(order=order).exists() and _refunds(order) == 0

    page = support_client.get(reverse("orders:support-order-detail", args=[replacement.number])).content.decode()
    assert reverse("orders:support-order-detail", args=[order.number]) in page and "data-replacement-for" in page
    original = support_client.get(reverse("orders:support-order-detail", args=[order.number])).content.decode()
    assert reverse("orders:support-order-detail", args=[replacement.number]) in original
    assert 'data-resolution="exchange"' in original


def test_a_replacement_out_of_stock_is_backordered_like_any_order():
    order = delivered_order()
    ordering.make_product("SHIRT-XL", units=0, price="29.90")
    rma = approved_return(order, {"SHIRT": 1})
    choose_exchange(rma, {"SHIRT-XL": 2}, by=None)
    receive_unit(rma, code="SHIRT", condition="resellable", bin=returns_bin())
    rma.refresh_from_db()
    assert rma.state == ReturnState.EXCHANGED
    assert rma.exchange_order.state == OrderState.BACKORDERED and rma.exchange_order.total == Decimal("0.00")


def test_an_unknown_sku_or_a_bad_quantity_is_refused_and_nothing_is_written(support_client):
    order = delivered_order()
    rma = approved_return(order, {"SHIRT": 1})
    orders_before = Order.objects.count()
    with pytest.raises(ReturnError, match="NOPE-1"):
        choose_exchange(rma, {"NOPE-1": 1}, by=None)
    with pytest.raises(ReturnError):
        choose_exchange(rma, {"SHIRT": 0}, by=None)
    rma.refresh_from_db()
    assert rma.resolution == "refund" and rma.exchange_items == {}

    url = reverse("returns:support-return-exchange", args=[rma.number])
    for items in ("NOPE-1 1", "SHIRT many", "SHIRT 0", "   "):
        response = support_client.post(url, {"exchange-items": items})
        assert response.status_code == 422, (items, response.status_code)
    assert "NOPE-1" in support_client.post(url, {"exchange-items": "NOPE-1"}).content.decode()
    rma.refresh_from_db()
    assert rma.resolution == "refund" and Order.objects.count() == orders_before

    # A valid choice from the order page's form; the refund is then not made.
    response = support_client.post(url, {"exchange-items": "JEANS 1"})
    assert response.status_code == 302
    rma.refresh_from_db()
    assert rma.resolution == "exchange" and rma.exchange_items == {"JEANS": 1}


def test_an_exchange_where_nothing_was_accepted_closes_without_a_replacement():
    order = delivered_order()
    rma = approved_return(order, {"SHIRT": 1})
    choose_exchange(rma, {"JEANS": 1}, by=None)
    orders_before = Order.objects.count()
    receive_unit(rma, code="SHIRT", condition="damaged")
    rma.refresh_from_db()
    assert rma.state == ReturnState.REJECTED and rma.exchange_order is None
    assert Order.objects.count() == orders_before


def test_after_inspection_the_exchange_can_no_longer_be_chosen():
    order = delivered_order()
    rma = approved_return(order, {"SHIRT": 1})
    receive_unit(rma, code="SHIRT", condition="resellable", bin=returns_bin())
    rma.refresh_from_db()
    with pytest.raises(IllegalTransitionError):
        choose_exchange(rma, {"JEANS": 1}, by=None)
