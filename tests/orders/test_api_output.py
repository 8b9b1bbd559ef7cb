"""The order API's output: ``OrderOutputSerializer.to_representation`` writes the output by hand
(bench/: binding every field for every order cost a fifth of an order's CPU time). It must say
exactly what the declared fields, which the OpenAPI schema describes, would say."""

# ruff: noqa: F811

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import RequestFactory
from rest_framework import serializers

from orders.api.serializers import OrderOutputSerializer
from orders.models import Order
from orders.services.intake import place_order
from orders.services.lifecycle import hold_order
from tests.orders.api_fixtures import channel  # noqa: F401  (fixture)
from tests.orders.factories import draft, stocked_product, warehouse

pytestmark = pytest.mark.django_db


def generic(order: Order, **context) -> dict:
    """What DRF's own ``Serializer.to_representation`` makes of the declared fields."""
    serializer = OrderOutputSerializer(order, context=context)
    return serializers.ModelSerializer.to_representation(serializer, order)


@pytest.fixture
def orders(channel):
    berlin = warehouse("BER")
    stocked_product("TEE-1", {berlin: 10}, gross_price=Decimal("24.90"))
    stocked_product("MUG-1", {berlin: 0}, gross_price=Decimal("12.50"))
    paid = {"payment_method": "card", "payment_captured": True}
    allocated = place_order(
        channel=channel,
        draft=draft({"TEE-1": 2}, external_id="A-1", shipping_total=Decimal("4.90"), notes="Bitte klingeln", **paid),
    )
    backordered = place_order(channel=channel, draft=draft({"TEE-1": 1, "MUG-1": 3}, external_id="A-2", **paid))
    held = place_order(channel=channel, draft=draft({"TEE-1": 1}, external_id="A-3")).order
    hold_order(order=held, reason="Adresse prüfen")
    return [allocated, backordered, held]


def test_the_written_out_output_equals_the_declared_fields(orders):
    request = RequestFactory().get("/api/v1/orders/")
    stored = list(Order.objects.order_by("pk"))
    assert [order.state for order in stored] == ["allocated", "backordered", "on_hold"]
    for order in stored:
        assert OrderOutputSerializer(order, context={"request": request}).data == generic(order, request=request)
        assert OrderOutputSerializer(order).data == generic(order)


def test_the_lines_intake_hands_over_give_the_output_of_the_stored_lines(orders):
    for result in orders[:2]:
        handed_over = OrderOutputSerializer(result.order, context={"lines": result.lines}).data
        stored = Order.objects.get(pk=result.order.pk)
        assert handed_over == generic(stored)


def test_a_list_of_orders_is_written_out_like_each_order(orders):
    listed = OrderOutputSerializer(Order.objects.order_by("pk"), many=True).data
    assert listed == [generic(order) for order in Order.objects.order_by("pk")]
