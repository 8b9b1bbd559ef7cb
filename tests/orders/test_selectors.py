"""Reads for the API: filters, the channel's scope, the number lookup, query budgets; order numbers."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command
from django.http import Http404
from django.utils import timezone

from oms.models import ApiKey
from orders.models import OrderState
from orders.selectors.api import order_for_api_or_404, orders_for_api
from orders.services.numbering import format_number, next_order_numbers
from tests.orders.factories import ChannelFactory, order_for, stocked_product, warehouse

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_channels():
    wh = warehouse("LEJ")
    stocked_product("S-1", {wh: 3})
    web, phone = ChannelFactory(code="web"), ChannelFactory(code="phone")
    a = order_for(web, {"S-1": 2})
    b = order_for(phone, {"S-1": 5})  # backordered
    return web, phone, a, b


def test_orders_for_api_filters_by_channel_state_external_id_and_update_time(two_channels):
    _web, phone, a, b = two_channels
    assert list(orders_for_api(channel_code="web")) == [a]
    assert list(orders_for_api(channel=phone)) == [b]
    assert list(orders_for_api(channel=phone, channel_code="web")) == []  # a key sees its own channel only
    assert list(orders_for_api(state=OrderState.BACKORDERED)) == [b]
    assert set(orders_for_api(state=[OrderState.BACKORDERED, OrderState.ALLOCATED])) == {a, b}
    assert list(orders_for_api(external_id=b.external_id)) == [b]
    later = timezone.now() + datetime.timedelta(seconds=1)
    assert list(orders_for_api(updated_since=later)) == []


def test_orders_for_api_query_count_is_independent_of_rows(two_channels, django_assert_num_queries):
    with django_assert_num_queries(2):
        orders = list(orders_for_api())
        assert [len(o.lines.all()) for o in orders] == [1, 1]
        assert {o.channel.code for o in orders} == {"web", "phone"}
        assert all(o.customer.email for o in orders)


def test_order_for_api_is_scoped_to_the_channel(two_channels):
    web, phone, a, _b = two_channels
    assert order_for_api_or_404(number=a.number) == a
    assert order_for_api_or_404(number=a.number, channel=web) == a
    for number, channel in ((a.number, phone), ("2099-999999", None), ("2026\x00", None)):
        with pytest.raises(Http404):
            order_for_api_or_404(number=number, channel=channel)


def test_numbers_are_consecutive_and_formatted_by_year():
    numbers = next_order_numbers(3, on=datetime.date(2026, 5, 1))
    first = int(numbers[0].split("-")[1])
    assert numbers == [format_number(2026, first + i) for i in range(3)]
    assert numbers[0].startswith("2026-") and len(numbers[0]) == 11


def test_create_api_key_prints_the_key_once_and_stores_only_its_hash(capsys):
    ChannelFactory(code="web")
    call_command("create_api_key", "web", "--name", "Shopify")
    raw = capsys.readouterr().out.strip()
    key = ApiKey.objects.get()
    assert raw.startswith("oms_") and key.channel_code == "web" and key.name == "Shopify"
    assert raw.split(".", 1)[1] not in key.hashed_key


def test_create_api_key_for_an_unknown_channel_fails_clearly():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="nope"):
        call_command("create_api_key", "nope")
