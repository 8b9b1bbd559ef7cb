"""The support home: the search box, open cases, and the orders waiting for someone."""

from __future__ import annotations

import pytest
from django.urls import reverse

from orders.models import SupportCase
from orders.services.lifecycle import hold_order
from tests.orders.factories import ChannelFactory, order_for, stocked_product
from tests.orders.support_fixtures import *  # noqa: F403  (fixtures)

pytestmark = pytest.mark.django_db


def _counts(html: str) -> dict[str, str]:
    """{state: the count shown on its tile}."""
    import re

    return dict(
        re.findall(r'data-state="(\w+)"><a href="[^"]*\?state=\w+[^"]*"><strong class="count">(\d+)</strong>', html)
    )


def test_support_home_counts_held_backordered_and_unpaid_orders_and_links_to_them(support_client, warehouse):
    channel = ChannelFactory(code="web", name="Webshop")
    stocked_product("HOME-1", {warehouse: 3})
    stocked_product("HOME-0", {})
    held = order_for(channel, {"HOME-1": 1})
    hold_order(order=held, reason="Address check")
    order_for(channel, {"HOME-0": 1})  # no stock: backordered
    order_for(channel, {"HOME-0": 2})
    order_for(channel, {"HOME-1": 1}, payment_method="prepayment")  # waits for the money
    order_for(channel, {"HOME-1": 1})  # allocated: nobody needs to act

    html = support_client.get(reverse("support-home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert _counts(html) == {"on_hold": "1", "backordered": "2", "pending": "1"}
    assert f'href="{reverse("orders:support-order-list")}?state=backordered&amp;sort=date"' in html
    assert "open cases" in html


def test_support_home_costs_the_same_queries_with_many_orders(support_client, warehouse, django_assert_max_num_queries):
    channel = ChannelFactory(code="web", name="Webshop")
    stocked_product("HOME-0", {})
    for _ in range(20):
        order_for(channel, {"HOME-0": 1})
    with django_assert_max_num_queries(6):
        assert support_client.get(reverse("support-home")).status_code == 200


def test_support_home_says_how_long_the_oldest_order_and_case_have_waited(support_client, warehouse, time_machine):
    channel = ChannelFactory(code="web", name="Webshop")
    stocked_product("HOME-0", {})
    time_machine.move_to("2026-11-02 09:00:00+01:00", tick=False)
    oldest = order_for(channel, {"HOME-0": 1})
    SupportCase.objects.create(customer=oldest.customer, subject="Where is it?")
    time_machine.move_to("2026-11-04 09:00:00+01:00", tick=False)
    order_for(channel, {"HOME-0": 1})
    time_machine.move_to("2026-11-05 09:00:00+01:00", tick=False)

    html = support_client.get(reverse("support-home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    backordered = html[html.index('data-state="backordered"') :]
    assert "the oldest is 3\xa0days old" in backordered[: backordered.index("</li>")]
    assert "longest without an answer: 3\xa0days" in html
    # Each tile opens the list with the longest-waiting first.
    assert "?state=backordered&amp;sort=date" in html and "?state=open&amp;sort=updated" in html
