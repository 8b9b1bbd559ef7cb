"""The product stock page (inventory) names the orders that hold its reserved units."""

import pytest
from django.urls import reverse

from tests.orders.factories import ChannelFactory, order_for, stocked_product, warehouse

pytestmark = pytest.mark.django_db


@pytest.fixture
def reserved_product():
    lej = warehouse("LEJ")
    product = stocked_product("PANEL-1", {lej: 10})
    channel = ChannelFactory(code="web", name="Webshop")
    first = order_for(channel, {"PANEL-1": 3})
    second = order_for(channel, {"PANEL-1": 2})
    return product, first, second


def page(client, product):
    return client.get(reverse("inventory:product-stock", kwargs={"sku": product.sku}), HTTP_ACCEPT_LANGUAGE="en")


def test_warehouse_sees_which_orders_hold_the_reserved_units(warehouse_client, reserved_product):
    product, first, second = reserved_product
    response = page(warehouse_client, product)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Reserved for orders" in html
    assert first.number in html and second.number in html
    # Warehouse staff have no support desk: the numbers are not links into it.
    assert reverse("orders:support-order-detail", kwargs={"number": first.number}) not in html


def test_admin_can_follow_a_reservation_to_the_order_page(admin_client_, reserved_product):
    product, first, _ = reserved_product
    html = page(admin_client_, product).content.decode()
    assert reverse("orders:support-order-detail", kwargs={"number": first.number}) in html


def test_cancelled_orders_no_longer_appear(warehouse_client, reserved_product):
    from orders.services.cancellation import cancel_order

    product, first, second = reserved_product
    cancel_order(order=first, reason="customer asked")
    html = page(warehouse_client, product).content.decode()
    assert first.number not in html
    assert second.number in html


def test_a_product_without_reservations_says_so(warehouse_client):
    product = stocked_product("PANEL-2", {warehouse("LEJ"): 5})
    assert "No order holds units of this product." in page(warehouse_client, product).content.decode()


def test_query_count_does_not_grow_with_reservations(warehouse_client, reserved_product):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    product, *_ = reserved_product
    with CaptureQueriesContext(connection) as few:
        page(warehouse_client, product)
    channel = ChannelFactory(code="shop2", name="Shop 2")
    for _ in range(5):
        order_for(channel, {"PANEL-1": 1})
    with CaptureQueriesContext(connection) as many:
        page(warehouse_client, product)
    assert len(many) == len(few)
