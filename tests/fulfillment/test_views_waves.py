"""The wave page: a lead builds a wave by rule or a pick list for one order, and assigns a picker."""

from __future__ import annotations

import pytest
from django.urls import reverse

from fulfillment.models import PickList, Shipment
from orders.models import Order, OrderState
from tests.fulfillment.warehouse_data import allocated_order, channel, make_bin, make_warehouse, stock_in_bins

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    """Assertions read the English texts."""
    settings.LANGUAGE_CODE = "en"


HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "wave-work"}


@pytest.fixture
def berlin():
    warehouse = make_warehouse()
    stock_in_bins("MUG-1", {make_bin(warehouse, "A-01-01", 10): 10})
    stock_in_bins("TEE-1", {make_bin(warehouse, "B-01-01", 20): 10})
    return warehouse


def test_the_page_shows_both_forms_and_the_open_pick_lists(warehouse_client, berlin):
    page = warehouse_client.get(reverse("fulfillment:warehouse-waves"))

    assert page.status_code == 200
    html = page.content.decode()
    assert "Build a wave" in html and "Pick one order" in html and "No open pick list." in html


def test_a_wave_by_rule_takes_single_item_orders_and_lists_the_new_pick_list(warehouse_client, warehouse_user, berlin):
    shop = channel()
    single = allocated_order(shop, {"MUG-1": 1})
    several = allocated_order(shop, {"MUG-1": 2, "TEE-1": 1})

    response = warehouse_client.post(
        reverse("fulfillment:warehouse-wave-build"),
        {
            "wave-warehouse": berlin.pk,
            "wave-single_item": "on",
            "wave-max_orders": "10",
            "wave-picker": warehouse_user.pk,
        },
        **HTMX,
    )

    assert response.status_code == 200
    pick_list = PickList.objects.get()
    assert pick_list.picker == warehouse_user
    assert list(Shipment.objects.filter(pick_list=pick_list).values_list("order_id", flat=True)) == [single.pk]
    assert Order.objects.get(pk=several.pk).state == OrderState.ALLOCATED
    html = response.content.decode()
    assert 'id="wave-work"' in html and "<html" not in html  # the partial only
    assert pick_list.number in html
    assert f"Pick list {pick_list.number} built: 1 order(s), 1 line(s)." in html


def test_a_wave_with_nothing_to_pick_says_so_and_builds_nothing(warehouse_client, berlin):
    response = warehouse_client.post(
        reverse("fulfillment:warehouse-wave-build"),
        {"wave-warehouse": berlin.pk, "wave-max_orders": "5"},
        **HTMX,
    )

    assert response.status_code == 422
    assert "No order is waiting for this warehouse by that rule." in response.content.decode()
    assert not PickList.objects.exists()


def test_a_wave_of_too_many_orders_is_refused_by_the_form(warehouse_client, berlin):
    response = warehouse_client.post(
        reverse("fulfillment:warehouse-wave-build"), {"wave-warehouse": berlin.pk, "wave-max_orders": "5000"}
    )

    assert response.status_code == 422
    assert "Check the wave rule." in response.content.decode()
    assert not PickList.objects.exists()


def test_a_pick_list_for_one_order_releases_it_and_redirects_without_htmx(warehouse_client, berlin):
    order = allocated_order(channel(), {"MUG-1": 1, "TEE-1": 1})

    response = warehouse_client.post(
        reverse("fulfillment:warehouse-order-pick-list"), {"order-order": order.number, "order-warehouse": berlin.pk}
    )

    assert response.status_code == 302 and response["Location"] == reverse("fulfillment:warehouse-waves")
    assert Order.objects.get(pk=order.pk).state == OrderState.IN_FULFILLMENT
    pick_list = PickList.objects.get()
    assert [line.sku for line in pick_list.lines.all()] == ["MUG-1", "TEE-1"]


def test_an_unknown_order_number_is_refused_with_a_message(warehouse_client, berlin):
    response = warehouse_client.post(
        reverse("fulfillment:warehouse-order-pick-list"),
        {"order-order": "2099-999999", "order-warehouse": berlin.pk},
        **HTMX,
    )

    assert response.status_code == 422
    assert "There is no order “2099-999999”." in response.content.decode()
    assert not PickList.objects.exists()


def test_assigning_a_picker_names_them_on_the_list(warehouse_client, warehouse_user, berlin):
    order = allocated_order(channel(), {"MUG-1": 1})
    warehouse_client.post(
        reverse("fulfillment:warehouse-order-pick-list"), {"order-order": order.number, "order-warehouse": berlin.pk}
    )
    pick_list = PickList.objects.get()

    response = warehouse_client.post(
        reverse("fulfillment:warehouse-pick-list-assign", kwargs={"number": pick_list.number}),
        {f"assign-{pick_list.pk}-picker": warehouse_user.pk},
        **HTMX,
    )

    assert response.status_code == 200
    pick_list.refresh_from_db()
    assert pick_list.picker == warehouse_user
    assert f"Pick list {pick_list.number} goes to" in response.content.decode()


def test_assigning_nobody_is_refused(warehouse_client, berlin):
    order = allocated_order(channel(), {"MUG-1": 1})
    warehouse_client.post(
        reverse("fulfillment:warehouse-order-pick-list"), {"order-order": order.number, "order-warehouse": berlin.pk}
    )
    pick_list = PickList.objects.get()

    response = warehouse_client.post(
        reverse("fulfillment:warehouse-pick-list-assign", kwargs={"number": pick_list.number}),
        {f"assign-{pick_list.pk}-picker": "987654"},
        **HTMX,
    )

    assert response.status_code == 422
    pick_list.refresh_from_db()
    assert pick_list.picker is None
