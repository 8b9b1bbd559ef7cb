"""The support order list as a list people know: sort, date range, count and totals, CSV export of
what is filtered, bulk hold / release / cancel / print, saved views, and bad parameters."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from oms.models import SavedView
from orders.models import Order, OrderState
from orders.services.lifecycle import hold_order
from tests.orders.support_fixtures import *  # noqa: F403  (fixtures)
from tests.orders.support_fixtures import place

LIST = "orders:support-order-list"
BERLIN = ZoneInfo("Europe/Berlin")
HTMX = {"HX-Request": "true", "HX-Target": "order-table"}


def _at(day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, tzinfo=BERLIN)


@pytest.fixture
def three_orders(catalogue, webshop, marketplace):
    """Placed on 2, 10 and 20 November 2026; totals 54.70, 17.40 and 29.80 EUR."""
    with time_machine.travel(_at(2), tick=False):
        early = place(webshop, email="early@example.com", lines=[("SHIRT-BLK-M", 2, "24.90")])
    with time_machine.travel(_at(10), tick=False):
        middle = place(marketplace, email="middle@example.com", lines=[("MUG-WHT", 1, "12.50")])
    with time_machine.travel(_at(20), tick=False):
        late = place(webshop, email="late@example.com", lines=[("SHIRT-BLK-M", 1, "24.90")])
    return early, middle, late


def _numbers(response) -> list[str]:
    return [order.number for order in response.context["page"].rows]


def test_the_list_is_newest_first_and_sorts_by_total_both_ways(support_client, three_orders):
    early, middle, late = three_orders
    assert _numbers(support_client.get(reverse(LIST))) == [late.number, middle.number, early.number]
    body = support_client.get(reverse(LIST)).content.decode()
    assert 'aria-sort="descending"' in body  # the date column, the default sort
    by_total = support_client.get(reverse(LIST), {"sort": "-total"})
    assert _numbers(by_total) == [early.number, late.number, middle.number]
    assert _numbers(support_client.get(reverse(LIST), {"sort": "total"})) == [middle.number, late.number, early.number]
    assert _numbers(support_client.get(reverse(LIST), {"sort": "number"})) == [early.number, middle.number, late.number]


def test_sorted_pages_walk_every_order_once(support_client, three_orders, monkeypatch):
    from orders.views.order_list import ORDER_LIST

    monkeypatch.setattr(ORDER_LIST, "page_size", 1)
    seen = []
    query = "sort=total"
    for _ in range(5):
        page = support_client.get(f"{reverse(LIST)}?{query}").context["page"]
        seen += [o.number for o in page.rows]
        if not page.has_next:
            break
        query = page.next_query
        assert "sort=total" in query  # the sort stays when paging
    assert seen == [three_orders[1].number, three_orders[2].number, three_orders[0].number]


def test_a_date_range_keeps_the_orders_placed_on_those_days_in_berlin(support_client, three_orders):
    _early, middle, late = three_orders
    response = support_client.get(reverse(LIST), {"placed_from": "2026-11-10", "placed_to": "2026-11-20"})
    assert _numbers(response) == [late.number, middle.number]
    assert "2 matches" in response.content.decode()
    only_the_tenth = support_client.get(reverse(LIST), {"placed_from": "2026-11-10", "placed_to": "2026-11-10"})
    assert _numbers(only_the_tenth) == [middle.number]


def test_the_count_and_the_total_of_the_matches_are_shown(support_client, three_orders):
    body = support_client.get(reverse(LIST), {"channel": "webshop"}).content.decode()
    assert "2 matches" in body
    assert "84.50" in body or "84,50" in body  # 54.70 + 29.80


def test_bad_parameters_are_named_and_ignored_never_an_error(support_client, three_orders):
    response = support_client.get(reverse(LIST), {"sort": "price; drop", "placed_from": "2026-02-30"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "cannot be sorted by" in body
    assert "This filter is ignored" in body
    assert len(_numbers(response)) == 3
    backwards = support_client.get(reverse(LIST), {"placed_from": "2026-11-20", "placed_to": "2026-11-01"})
    assert "the end lies before the start" in backwards.content.decode()
    assert len(_numbers(backwards)) == 3


def test_htmx_answers_the_table_with_its_sort_links(support_client, three_orders):
    body = support_client.get(reverse(LIST), {"sort": "total"}, headers=HTMX).content.decode()
    assert body.lstrip().startswith('<section id="order-table"')
    assert 'hx-target="#order-table"' in body and 'hx-push-url="true"' in body
    assert "sort=-total" in body  # the total column now offers the other direction


def test_the_export_is_exactly_what_is_filtered_for_german_excel(support_client, three_orders):
    early, middle, late = three_orders
    response = support_client.get(reverse("orders:support-order-export"), {"channel": "webshop", "sort": "total"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeffOrder;")
    rows = text.strip().splitlines()[1:]
    assert [row.split(";")[0] for row in rows] == [late.number, early.number]
    assert "54,70" in text and middle.number not in text


def test_an_export_with_a_parameter_it_cannot_read_exports_nothing(support_client, three_orders):
    response = support_client.get(reverse("orders:support-order-export"), {"placed_from": "gestern"})
    assert response.status_code == 302
    follow = support_client.get(response["Location"]).content.decode()
    assert "Nothing was exported" in follow


def test_a_bulk_hold_holds_each_order_and_names_the_ones_it_could_not(support_client, three_orders, support_user):
    early, middle, late = three_orders
    hold_order(order=middle, reason="Adresse prüfen")
    response = support_client.post(
        reverse("orders:support-order-bulk"),
        {"ids": [early.pk, middle.pk], "action": "hold", "reason": "Betrugsprüfung", "list_query": "channel=webshop"},
        headers=HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "1 orders put on hold." in body
    assert middle.number in body and "not changed" in body  # already held: refused, named
    early.refresh_from_db()
    assert early.state == OrderState.ON_HOLD and early.hold_reason == "Betrugsprüfung"
    assert Order.objects.get(pk=late.pk).state != OrderState.ON_HOLD
    # The list comes back with the filters it was posted from.
    assert _numbers(response) == [late.number, early.number]


def test_a_bulk_hold_without_a_reason_changes_nothing(support_client, three_orders):
    early = three_orders[0]
    response = support_client.post(reverse("orders:support-order-bulk"), {"ids": [early.pk], "action": "hold"})
    assert response.status_code == 422
    assert Order.objects.get(pk=early.pk).state != OrderState.ON_HOLD
    assert "This field is required" in response.content.decode()


def test_release_and_cancel_in_bulk(support_client, three_orders):
    early, middle, late = three_orders
    hold_order(order=early, reason="Adresse prüfen")
    url = reverse("orders:support-order-bulk")
    support_client.post(url, {"ids": [early.pk], "action": "unhold"})
    assert Order.objects.get(pk=early.pk).state != OrderState.ON_HOLD
    support_client.post(url, {"ids": [middle.pk, late.pk], "action": "cancel", "reason": "Kunde storniert"})
    assert set(Order.objects.filter(state=OrderState.CANCELLED).values_list("pk", flat=True)) == {middle.pk, late.pk}


def test_bulk_print_shows_each_chosen_order(support_client, three_orders):
    early, middle, _late = three_orders
    response = support_client.post(
        reverse("orders:support-order-bulk"), {"ids": [early.pk, middle.pk], "action": "print"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert f"Order {early.number}" in body and f"Order {middle.number}" in body and "SHIRT-BLK-M" in body


@pytest.mark.parametrize(
    "data",
    [
        {"action": "hold", "reason": "x"},
        {"ids": ["abc"], "action": "hold", "reason": "x"},
        {"ids": ["1"], "action": "explode"},
        {"ids": [str(10**30)], "action": "hold", "reason": "x"},
    ],
)
def test_bad_bulk_input_is_a_message(support_client, three_orders, data):
    response = support_client.post(reverse("orders:support-order-bulk"), data)
    assert response.status_code == 422
    assert not Order.objects.filter(state=OrderState.ON_HOLD).exists()


def test_a_saved_view_is_one_click_away_and_only_for_its_owner(support_client, three_orders, django_user_model):
    response = support_client.post(
        reverse("orders:support-order-view-save"),
        {"name": "Web, teuer zuerst", "query": "channel=webshop&sort=-total&bogus=1"},
    )
    assert response.status_code == 302
    view = SavedView.objects.get()
    assert view.query == "channel=webshop&sort=-total"  # only what the list reads
    body = support_client.get(reverse(LIST)).content.decode()
    assert "Web, teuer zuerst" in body and "?channel=webshop&amp;sort=-total" in body
    # Saving under the same name replaces it.
    support_client.post(
        reverse("orders:support-order-view-save"), {"name": "Web, teuer zuerst", "query": "channel=webshop"}
    )
    assert SavedView.objects.get().query == "channel=webshop"
    # Another agent neither sees nor deletes it.
    from oms.roles import Role
    from tests.conftest import make_user

    other = make_user(django_user_model, "other-agent", Role.SUPPORT)
    client = Client()
    client.force_login(other)
    assert "Web, teuer zuerst" not in client.get(reverse(LIST)).content.decode()
    client.post(reverse("orders:support-order-view-delete", args=[view.pk]))
    assert SavedView.objects.filter(pk=view.pk).exists()
    support_client.post(reverse("orders:support-order-view-delete", args=[view.pk]))
    assert not SavedView.objects.exists()


def test_a_saved_view_needs_a_name(support_client, three_orders):
    response = support_client.post(reverse("orders:support-order-view-save"), {"name": " ", "query": "channel=webshop"})
    assert response.status_code == 422
    assert not SavedView.objects.exists()
