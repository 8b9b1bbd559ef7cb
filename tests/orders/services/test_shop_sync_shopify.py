"""Shop sync against a fake Shopify shop on 127.0.0.1: the same behaviour as WooCommerce's (orders
pulled into intake once, payments taken over, a failing or rate-limiting shop put off, shipments,
cancellations and stock pushed back through the outbox), through Shopify's own API: cursor
pagination over a closed window, fulfillment orders, inventory levels at a location, the leaky
bucket."""

# ruff: noqa: F811  (pytest fixtures come in by import)

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from inventory.models import ChannelStockBuffer
from inventory.services.stock import receive_stock
from oms import outbox
from oms.models import OutboxMessage, OutboxStatus
from orders.models import (
    Channel,
    ChannelPlatform,
    Order,
    OrderState,
    PaymentTransaction,
    ShopConnection,
    ShopKind,
    ShopOrderFailure,
    ShopSyncKind,
    ShopSyncOutcome,
    ShopSyncRun,
    TransactionKind,
)
from orders.services.cancellation import cancel_order
from orders.services.shop_sync import pull_orders, push_marked_stock, sync_all_stock
from orders.shops import connector_for, shopify
from orders.shops.base import ShipmentPush
from orders.shops.shopify import ShopifyConnector
from orders.webhooks.signatures import compute_signature
from tests.orders.api_fixtures import WEBHOOK_SECRET, fixture_json, products  # noqa: F401
from tests.orders.fake_shopify import ACCESS_TOKEN, PREFIX, FakeShopify, fake_shopify  # noqa: F401
from tests.orders.shop_sync_fixtures import ship_whole_order, stock_the_warehouse
from tests.reliability import ordering

NOW = datetime.datetime(2026, 11, 21, 13, 10, tzinfo=datetime.UTC)
FIRST_WINDOW = ("2026-11-20T13:10:00+00:00", "2026-11-21T13:09:50+00:00")  # pull_since .. 10 s before now

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=False)]


def shopify_order(order_id: int, *, financial_status: str = "paid", sku: str | None = None, **fields) -> dict:
    """The documentation's ``orders/create`` order (fixture) as the shop's order ``order_id``."""
    payload = fixture_json("shopify_order_create.json")
    payload.update(id=order_id, name=f"#{order_id}", financial_status=financial_status, **fields)
    for i, item in enumerate(payload["line_items"]):
        item["id"] = order_id * 10 + i
    if sku is not None:
        payload["line_items"][1]["sku"] = sku
    return payload


def minutes_ago(minutes: float) -> datetime.datetime:
    return NOW - datetime.timedelta(minutes=minutes)


@pytest.fixture
def shop(fake_shopify, products) -> ShopConnection:
    channel = Channel.objects.create(
        code="shopify", name="Shopify Shop", platform=ChannelPlatform.SHOPIFY, webhook_secret=WEBHOOK_SECRET
    )
    return ShopConnection.objects.create(
        channel=channel,
        kind=ShopKind.SHOPIFY,
        base_url=fake_shopify.url,
        api_key=ACCESS_TOKEN,
        pull_since=NOW - datetime.timedelta(days=1),
    )


def refreshed(connection: ShopConnection) -> ShopConnection:
    return ShopConnection.objects.get(pk=connection.pk)


def deliver_pending(kind: str) -> list[OutboxMessage]:
    for message in OutboxMessage.objects.filter(kind=kind, status=OutboxStatus.PENDING):
        outbox.deliver(message.pk)
    return list(OutboxMessage.objects.filter(kind=kind).order_by("pk"))


def connector(fake: FakeShopify) -> ShopifyConnector:
    return ShopifyConnector(base_url=fake.url, api_key=ACCESS_TOKEN, api_secret="")


# -- orders in ------------------------------------------------------------------------------------


def test_a_pull_takes_the_shops_orders_in_through_intake_once_and_a_second_pull_creates_nothing(
    shop, fake_shopify: FakeShopify
):
    fake_shopify.add_order(shopify_order(5734972145812345001), updated=minutes_ago(10))
    fake_shopify.add_order(shopify_order(5734972145812345002), updated=minutes_ago(5))

    run = pull_orders(connection_id=shop.pk)

    assert (run.outcome, run.fetched, run.created, run.refused) == (ShopSyncOutcome.OK, 2, 2, 0)
    orders = Order.objects.filter(channel=shop.channel).order_by("external_id")
    assert [o.external_id for o in orders] == ["5734972145812345001", "5734972145812345002"]  # ids beyond 2^53, exact
    assert orders[0].total == Decimal("67.20")
    assert orders[0].customer.email == "lena.hoffmann@example.de"
    assert orders[0].shipping_postcode == "04109"
    assert sorted((line.sku, line.quantity) for line in orders[0].lines.all()) == [("MUG-WHT", 1), ("SHIRT-BLK-M", 2)]
    assert orders[0].state != OrderState.PENDING  # "paid" in the shop
    state = refreshed(shop)
    assert state.pull_cursor == FIRST_WINDOW[1]
    assert state.orders_taken_in == 2 and state.failures == 0 and state.pull_started_at is None
    (request,) = fake_shopify.calls("GET", "/orders.json")
    assert request.headers["x-shopify-access-token"] == ACCESS_TOKEN
    assert "authorization" not in request.headers
    assert request.query == {
        "status": ["any"],
        "updated_at_min": [FIRST_WINDOW[0]],
        "updated_at_max": [FIRST_WINDOW[1]],
        "limit": ["250"],
    }

    again = pull_orders(connection_id=shop.pk)

    assert again is None  # nothing changed since: no run recorded
    assert Order.objects.filter(channel=shop.channel).count() == 2
    assert fake_shopify.calls("GET", "/orders.json")[-1].query["updated_at_min"] == [FIRST_WINDOW[1]]


def test_an_order_changed_in_the_last_seconds_waits_for_the_next_pull_and_is_not_lost(shop, fake_shopify):
    fake_shopify.add_order(shopify_order(4001), updated=NOW - datetime.timedelta(seconds=4))

    assert pull_orders(connection_id=shop.pk) is None  # outside the window that closed 10 s ago

    with time_machine.travel(NOW + datetime.timedelta(minutes=2), tick=False):
        run = pull_orders(connection_id=shop.pk)

    assert run.created == 1
    assert fake_shopify.calls("GET", "/orders.json")[-1].query["updated_at_min"] == [FIRST_WINDOW[1]]


def test_a_pull_follows_the_link_headers_cursor_and_loses_no_order_shopify_lists_out_of_change_order(
    shop, fake_shopify: FakeShopify, monkeypatch
):
    monkeypatch.setattr(shopify, "PAGE_SIZE", 2)
    for n in range(5):  # listed by id, changed in the opposite order
        fake_shopify.add_order(shopify_order(3001 + n), updated=minutes_ago(1 + n))
    original = fake_shopify.handle

    def a_new_order_arrives_behind_the_walk(method, path, query, headers, body, _done=[]):  # noqa: B006
        if "page_info" in query and not _done:
            _done.append(True)
            fake_shopify.add_order(shopify_order(2999), updated=NOW)  # a low id: the walk is past it
        return original(method, path, query, headers, body)

    fake_shopify.handle = a_new_order_arrives_behind_the_walk

    run = pull_orders(connection_id=shop.pk)

    assert (run.outcome, run.created) == (ShopSyncOutcome.OK, 5)
    first, second, third = fake_shopify.calls("GET", "/orders.json")
    assert first.query["limit"] == ["2"]
    for later in (second, third):  # the filters travel in page_info; Shopify refuses them beside it
        assert set(later.query) == {"limit", "page_info"}
    assert refreshed(shop).pull_cursor == FIRST_WINDOW[1]

    with time_machine.travel(NOW + datetime.timedelta(minutes=2), tick=False):
        run = pull_orders(connection_id=shop.pk)

    assert run.created == 1
    assert Order.objects.filter(channel=shop.channel).count() == 6


def test_a_shop_failing_in_the_middle_of_a_walk_keeps_its_place_and_goes_on_from_there(
    shop, fake_shopify: FakeShopify, monkeypatch
):
    monkeypatch.setattr(shopify, "PAGE_SIZE", 2)
    for n in range(5):
        fake_shopify.add_order(shopify_order(3101 + n), updated=minutes_ago(30 - n))
    original = fake_shopify.handle

    def fail_the_second_page_once(method, path, query, headers, body, _done=[]):  # noqa: B006
        if "page_info" in query and not _done:
            _done.append(True)
            return 500, {"errors": "Internal Server Error"}, {}
        return original(method, path, query, headers, body)

    fake_shopify.handle = fail_the_second_page_once

    run = pull_orders(connection_id=shop.pk)

    assert (run.outcome, run.created) == (ShopSyncOutcome.FAILED, 2)
    window_end, _space, page_info = refreshed(shop).pull_cursor.partition(" ")
    assert window_end == FIRST_WINDOW[1] and page_info

    with time_machine.travel(NOW + datetime.timedelta(minutes=3), tick=False):
        run = pull_orders(connection_id=shop.pk)

    assert (run.created, run.duplicates) == (3, 0)  # the first page is not read again
    assert fake_shopify.calls("GET", "/orders.json")[-2].query["page_info"] == [page_info]
    assert refreshed(shop).pull_cursor == FIRST_WINDOW[1]  # the window is done; the next starts there
    assert Order.objects.filter(channel=shop.channel).count() == 5


def test_archived_orders_are_taken_in_and_cancelled_refunded_or_gift_card_only_orders_are_not(
    shop, fake_shopify: FakeShopify
):
    fake_shopify.add_order(
        shopify_order(3201, closed_at="2026-11-21T12:00:00+01:00"), updated=minutes_ago(9)
    )  # archived: only listed with status=any
    fake_shopify.add_order(
        shopify_order(3202, cancelled_at="2026-11-21T12:00:00+01:00", cancel_reason="customer"), updated=minutes_ago(8)
    )
    fake_shopify.add_order(shopify_order(3203, financial_status="refunded"), updated=minutes_ago(7))
    gift_cards_only = shopify_order(3204)
    for item in gift_cards_only["line_items"]:
        item["gift_card"] = True
    fake_shopify.add_order(gift_cards_only, updated=minutes_ago(6))

    run = pull_orders(connection_id=shop.pk)

    assert (run.fetched, run.created, run.refused) == (4, 1, 0)
    assert list(Order.objects.filter(channel=shop.channel).values_list("external_id", flat=True)) == ["3201"]
    assert not ShopOrderFailure.objects.exists()


def test_a_pending_order_the_shop_reports_paid_later_gets_its_capture_once(shop, fake_shopify: FakeShopify):
    fake_shopify.add_order(shopify_order(3301, financial_status="pending"), updated=minutes_ago(9))
    pull_orders(connection_id=shop.pk)
    order = Order.objects.get(channel=shop.channel, external_id="3301")
    assert order.state == OrderState.PENDING

    with time_machine.travel(NOW + datetime.timedelta(minutes=2), tick=False):
        fake_shopify.change_order(3301, financial_status="paid", updated=NOW + datetime.timedelta(minutes=1))
        run = pull_orders(connection_id=shop.pk)
    with time_machine.travel(NOW + datetime.timedelta(minutes=4), tick=False):
        pull_orders(connection_id=shop.pk)

    assert (run.created, run.updated) == (0, 1)
    captures = PaymentTransaction.objects.filter(order=order, kind=TransactionKind.CAPTURE)
    assert [c.amount for c in captures] == [Decimal("67.20")]


def test_an_order_that_cannot_be_taken_in_is_kept_and_taken_in_once_it_can(shop, fake_shopify: FakeShopify):
    fake_shopify.add_order(shopify_order(3401, sku="NOT-IN-OMS"), updated=minutes_ago(8))

    run = pull_orders(connection_id=shop.pk)

    assert (run.outcome, run.refused) == (ShopSyncOutcome.PARTLY, 1)
    assert "NOT-IN-OMS" in ShopOrderFailure.objects.get(external_id="3401").error

    ordering.make_product("NOT-IN-OMS", price="12.50")
    run = pull_orders(connection_id=shop.pk)

    assert run.created == 1
    assert fake_shopify.calls("GET", "/orders/3401.json")


def test_an_order_that_came_by_webhook_is_not_taken_in_again_by_the_pull_and_the_reverse(
    shop, fake_shopify: FakeShopify, client
):
    def webhook(order_id: int, delivery: str):
        body = json.dumps(fake_shopify.orders[order_id]).encode()
        return client.post(
            "/webhooks/shopify/shopify/orders-create/",
            data=body,
            content_type="application/json",
            HTTP_X_SHOPIFY_HMAC_SHA256=compute_signature(WEBHOOK_SECRET, body),
            HTTP_X_SHOPIFY_TOPIC="orders/create",
            HTTP_X_SHOPIFY_WEBHOOK_ID=delivery,
        ).json()["status"]

    fake_shopify.add_order(shopify_order(3501), updated=minutes_ago(2))
    fake_shopify.add_order(shopify_order(3502), updated=minutes_ago(1))
    assert webhook(3501, "w-1") == "created"

    pull_orders(connection_id=shop.pk)

    assert webhook(3502, "w-2") == "duplicate"
    assert webhook(3501, "w-1") == "duplicate"  # the same delivery replayed
    assert Order.objects.filter(channel=shop.channel).count() == 2
    assert refreshed(shop).orders_taken_in == 1


def test_a_shop_that_fails_puts_the_next_pull_off_with_backoff_and_says_why(shop, fake_shopify: FakeShopify):
    fake_shopify.add_order(shopify_order(3601), updated=minutes_ago(3))
    fake_shopify.fail_next(502)

    run = pull_orders(connection_id=shop.pk)

    assert run.outcome == ShopSyncOutcome.FAILED
    state = refreshed(shop)
    assert state.failures == 1 and "HTTP 502" in state.last_error
    assert NOW + datetime.timedelta(seconds=29) <= state.next_pull_at <= NOW + datetime.timedelta(seconds=45)
    assert state.pull_cursor == FIRST_WINDOW[0]  # nothing skipped

    with time_machine.travel(NOW + datetime.timedelta(minutes=3), tick=False):
        run = pull_orders(connection_id=shop.pk)

    assert run.created == 1 and refreshed(shop).failures == 0


def test_a_short_429_is_waited_out_in_place_and_a_second_one_puts_the_pull_off_as_asked(
    shop, fake_shopify: FakeShopify
):
    fake_shopify.add_order(shopify_order(3701), updated=minutes_ago(3))
    fake_shopify.fail_next(429, **{"Retry-After": "2.0"})

    run = pull_orders(connection_id=shop.pk)

    assert (run.outcome, run.created) == (ShopSyncOutcome.OK, 1)
    assert fake_shopify.waits == [2]
    assert len(fake_shopify.calls("GET", "/orders.json")) == 2

    ShopConnection.objects.filter(pk=shop.pk).update(last_pull_at=None)
    fake_shopify.fail_next(429, times=2, **{"Retry-After": "2.0"})
    run = pull_orders(connection_id=shop.pk)

    assert run.outcome == ShopSyncOutcome.RATE_LIMITED
    state = refreshed(shop)
    assert NOW + datetime.timedelta(seconds=2) <= state.next_pull_at <= NOW + datetime.timedelta(seconds=5)


def test_wrong_credentials_are_a_failed_pull_naming_the_shops_answer(shop, fake_shopify: FakeShopify):
    ShopConnection.objects.filter(pk=shop.pk).update(api_key="shpat_wrong")

    run = pull_orders(connection_id=shop.pk)

    assert run.outcome == ShopSyncOutcome.FAILED
    assert "HTTP 401" in run.message and "Invalid API key or access token" in run.message


# -- back to the shop: shipments ---------------------------------------------------------------------


def _ship_pulled_order(shop: ShopConnection, fake_shopify: FakeShopify, order_id: int):
    stock_the_warehouse()
    fake_shopify.add_order(shopify_order(order_id), updated=minutes_ago(1))
    pull_orders(connection_id=shop.pk)
    return ship_whole_order(Order.objects.get(channel=shop.channel, external_id=str(order_id)))


def test_a_shipment_fulfils_the_shop_orders_fulfillment_order_with_carrier_and_tracking(
    shop, fake_shopify: FakeShopify
):
    _order, shipment = _ship_pulled_order(shop, fake_shopify, 4101)

    (message,) = deliver_pending("shop_shipment")

    assert message.status == OutboxStatus.DELIVERED
    (fulfillment_order,) = fake_shopify.fulfillment_orders[4101]
    (post,) = fake_shopify.calls("POST", "/fulfillments.json")
    assert post.headers["x-shopify-access-token"] == ACCESS_TOKEN
    assert post.body == {
        "fulfillment": {
            "line_items_by_fulfillment_order": [
                {
                    "fulfillment_order_id": fulfillment_order["id"],
                    "fulfillment_order_line_items": [
                        {"id": line["id"], "quantity": line["quantity"]} for line in fulfillment_order["line_items"]
                    ],
                }
            ],
            "notify_customer": False,  # we send the shipping confirmation ourselves
            "tracking_info": {
                "number": shipment.tracking_number,
                "company": shipment.carrier_service.carrier.name,
                "url": shipment.carrier_service.carrier.tracking_url(shipment.tracking_number),
            },
        }
    }
    assert fake_shopify.orders[4101]["fulfillment_status"] == "fulfilled"
    assert fulfillment_order["status"] == "closed"
    run = ShopSyncRun.objects.get(kind=ShopSyncKind.SHIPMENT)
    assert run.outcome == ShopSyncOutcome.OK and shipment.reference in run.message


def test_a_fulfillment_whose_answer_was_lost_is_retried_and_never_made_twice(shop, fake_shopify: FakeShopify):
    _ship_pulled_order(shop, fake_shopify, 4102)
    original = fake_shopify.handle

    def lose_the_answer_once(method, path, query, headers, body, _done=[]):  # noqa: B006
        answer = original(method, path, query, headers, body)
        if method == "POST" and path.endswith("/fulfillments.json") and not _done:
            _done.append(True)
            return 504, {"errors": "Gateway Timeout"}, {}
        return answer

    fake_shopify.handle = lose_the_answer_once
    (message,) = deliver_pending("shop_shipment")
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 1)
    assert "HTTP 504" in message.last_error

    with time_machine.travel(NOW + datetime.timedelta(minutes=1), tick=False):
        (message,) = deliver_pending("shop_shipment")

    assert message.status == OutboxStatus.DELIVERED
    assert len(fake_shopify.orders[4102]["fulfillments"]) == 1
    assert len(fake_shopify.calls("POST", "/fulfillments.json")) == 1


def _push(sku_units: dict[str, int], number: str, *, in_full: bool, order_id: int = 4201) -> ShipmentPush:
    return ShipmentPush(
        external_id=str(order_id),
        reference=f"S-{number}",
        carrier="DHL",
        tracking_number=number,
        tracking_url=f"https://www.dhl.de/de/privatkunden.html?piececode={number}",
        shipped_on=NOW.date(),
        lines=sku_units,
        order_shipped_in_full=in_full,
    )


def test_partial_shipments_fulfil_their_own_units_and_a_repeat_of_one_sends_nothing(fake_shopify: FakeShopify):
    fake_shopify.add_order(shopify_order(4201), updated=minutes_ago(5))
    shop = connector(fake_shopify)

    shop.push_shipment(_push({"SHIRT-BLK-M": 1}, "00340434161094000001", in_full=False))
    shop.push_shipment(_push({"SHIRT-BLK-M": 1}, "00340434161094000001", in_full=False))  # a retry

    (first,) = fake_shopify.calls("POST", "/fulfillments.json")
    (group,) = first.body["fulfillment"]["line_items_by_fulfillment_order"]
    shirt_line = next(
        li for li in fake_shopify.fulfillment_orders[4201][0]["line_items"] if li["line_item_id"] == 42010
    )
    assert group["fulfillment_order_line_items"] == [{"id": shirt_line["id"], "quantity": 1}]
    assert fake_shopify.orders[4201]["fulfillment_status"] == "partial"

    shop.push_shipment(_push({"SHIRT-BLK-M": 1, "MUG-WHT": 1}, "00340434161094000002", in_full=True))

    assert len(fake_shopify.calls("POST", "/fulfillments.json")) == 2
    assert fake_shopify.orders[4201]["fulfillment_status"] == "fulfilled"
    numbers = [f["tracking_number"] for f in fake_shopify.orders[4201]["fulfillments"]]
    assert numbers == ["00340434161094000001", "00340434161094000002"]


def test_an_order_split_over_two_shop_locations_gets_one_fulfillment_per_location(fake_shopify: FakeShopify):
    fake_shopify.locations.append({"id": 655441492, "name": "Filiale", "active": True})
    fake_shopify.add_order(shopify_order(4301), updated=minutes_ago(5), locations=[655441491, 655441492])

    connector(fake_shopify).push_shipment(
        _push({"SHIRT-BLK-M": 2, "MUG-WHT": 1}, "JJD0001", in_full=True, order_id=4301)
    )

    posts = fake_shopify.calls("POST", "/fulfillments.json")
    assert len(posts) == 2
    assert fake_shopify.orders[4301]["fulfillment_status"] == "fulfilled"


# -- back to the shop: cancellation ------------------------------------------------------------------


def test_a_cancelled_order_is_cancelled_in_the_shop_once(shop, fake_shopify: FakeShopify):
    fake_shopify.add_order(shopify_order(4401, financial_status="pending"), updated=minutes_ago(1))
    pull_orders(connection_id=shop.pk)
    order = Order.objects.get(channel=shop.channel, external_id="4401")

    cancel_order(order=order, reason="customer asked")
    (message,) = deliver_pending("shop_status")

    assert message.status == OutboxStatus.DELIVERED
    (post,) = fake_shopify.calls("POST", "/orders/4401/cancel.json")
    assert post.body == {"reason": "other", "email": False}
    assert fake_shopify.orders[4401]["cancelled_at"]

    connector_for(refreshed(shop)).push_cancellation("4401")  # delivered again: the shop has it cancelled

    assert len(fake_shopify.calls("POST", "/orders/4401/cancel.json")) == 1


# -- back to the shop: stock -------------------------------------------------------------------------


def test_changed_stock_reaches_the_shops_location_as_the_channels_available_to_promise(
    shop, fake_shopify: FakeShopify, products, django_capture_on_commit_callbacks
):
    shirt = fake_shopify.add_variant(11, "SHIRT-BLK-M", 0)
    mug = fake_shopify.add_variant(12, "MUG-WHT", 0)
    fake_shopify.add_variant(12, "MUG-WHT", None, tracked=False)  # a variant whose stock the shop does not track
    only_there = fake_shopify.add_variant(13, "ONLY-IN-THE-SHOP", 9)
    ChannelStockBuffer.objects.create(channel_code="shopify", product=products["SHIRT-BLK-M"], buffer=2)
    warehouse = ordering.make_warehouse()
    location = fake_shopify.location_id

    with django_capture_on_commit_callbacks(execute=True):
        receive_stock(product=products["SHIRT-BLK-M"], warehouse=warehouse, quantity=8, reference="PO-1")
    assert push_marked_stock() == 1
    (message,) = deliver_pending("shop_stock")

    assert message.status == OutboxStatus.DELIVERED
    (products_read,) = fake_shopify.calls("GET", "/products.json")
    assert products_read.query == {"limit": ["250"], "fields": ["id,variants"]}
    (levels,) = fake_shopify.calls("GET", "/inventory_levels.json")
    assert levels.query["inventory_item_ids"] == [str(shirt)] and levels.query["location_ids"] == [str(location)]
    (setting,) = fake_shopify.calls("POST", "/inventory_levels/set.json")
    assert setting.body == {"location_id": location, "inventory_item_id": shirt, "available": 6}  # 8 - buffer 2

    with django_capture_on_commit_callbacks(execute=True):
        receive_stock(product=products["SHIRT-BLK-M"], warehouse=warehouse, quantity=1, reference="PO-2")
    push_marked_stock()
    deliver_pending("shop_stock")

    assert fake_shopify.levels[(shirt, location)] == 7
    assert len(fake_shopify.calls("GET", "/products.json")) == 1  # the ids came from the cache
    assert len(fake_shopify.calls("GET", "/locations.json")) == 1

    fake_shopify.levels[(mug, location)] = 4  # someone changed it in the shop
    sync_all_stock()
    deliver_pending("shop_stock")

    last = fake_shopify.calls("POST", "/inventory_levels/set.json")[-1]
    assert last.body == {"location_id": location, "inventory_item_id": mug, "available": 0}  # only what differs
    assert len(fake_shopify.calls("POST", "/inventory_levels/set.json")) == 3
    assert fake_shopify.levels[(only_there, location)] == 9  # a product we do not know is left alone


def test_a_shop_with_several_locations_needs_the_connections_location_and_says_so(
    shop, fake_shopify: FakeShopify, products
):
    fake_shopify.locations.append({"id": 655441492, "name": "Filiale", "active": True})
    shirt = fake_shopify.add_variant(11, "SHIRT-BLK-M", 0)
    ordering.make_product("SHIRT-BLK-M", units=3)

    sync_all_stock()
    (message,) = deliver_pending("shop_stock")

    assert message.status == OutboxStatus.PENDING and "2 active locations" in message.last_error
    assert ShopSyncRun.objects.get(kind=ShopSyncKind.STOCK).outcome == ShopSyncOutcome.FAILED

    ShopConnection.objects.filter(pk=shop.pk).update(shop_location_id="655441491")
    with time_machine.travel(NOW + datetime.timedelta(minutes=1), tick=False):
        (message,) = deliver_pending("shop_stock")

    assert message.status == OutboxStatus.DELIVERED
    assert fake_shopify.levels[(shirt, 655441491)] == 3


def test_the_leaky_bucket_is_never_run_full(shop, fake_shopify: FakeShopify, products):
    for n in range(12):
        ordering.make_product(f"BULK-{n}", units=n + 1)
        fake_shopify.add_variant(100 + n, f"BULK-{n}", 0)
    fake_shopify.bucket = 30  # the shop's other apps are busy

    sync_all_stock()
    (message,) = deliver_pending("shop_stock")

    assert message.status == OutboxStatus.DELIVERED
    assert len(fake_shopify.calls("POST", "/inventory_levels/set.json")) == 12
    assert fake_shopify.waits  # it waited near the top
    assert all(wait <= 1.0 for wait in fake_shopify.waits)
    assert fake_shopify.bucket <= 37  # and never filled it (a 429 would have said "Retry-After")


# -- what staff see and choose -------------------------------------------------------------------------


def test_the_connection_must_speak_the_shop_its_channel_takes_webhooks_from(db, fake_shopify: FakeShopify):
    channel = Channel.objects.create(code="woo", name="Woo", platform=ChannelPlatform.WOOCOMMERCE)
    connection = ShopConnection(channel=channel, kind=ShopKind.SHOPIFY, base_url=fake_shopify.url, api_key="k")

    with pytest.raises(ValidationError) as refused:
        connection.full_clean()

    assert "must speak the same shop" in str(refused.value.message_dict["kind"])
    pull_only = Channel.objects.create(code="pull", name="Pull only")
    ShopConnection(channel=pull_only, kind=ShopKind.SHOPIFY, base_url=fake_shopify.url, api_key="k").full_clean()


def test_staff_choose_the_shop_system_on_the_connections_page(shop, admin_client_):
    page = admin_client_.get(f"/admin/orders/shopconnection/{shop.pk}/change/", HTTP_ACCEPT_LANGUAGE="de")

    assert page.status_code == 200
    text = page.content.decode()
    assert "Shopsystem" in text and "Shop-Standort" in text
    assert 'value="shopify" selected' in text


def test_shopify_mails_the_customer_about_a_fulfillment_only_when_the_channel_sends_its_own_shipping_mails(
    shop, fake_shopify: FakeShopify
):
    fake_shopify.add_order(shopify_order(4501), updated=minutes_ago(5))
    Channel.objects.filter(pk=shop.channel_id).update(shop_sent_mails=["shipping_confirmation"])

    connector_for(refreshed(shop)).push_shipment(_push({"SHIRT-BLK-M": 2}, "JJD0002", in_full=False, order_id=4501))

    (post,) = fake_shopify.calls("POST", "/fulfillments.json")
    assert post.body["fulfillment"]["notify_customer"] is True


# -- in parallel, on PostgreSQL ------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_pull_and_the_webhook_of_the_same_shopify_order_at_once_make_one_order(shop, fake_shopify: FakeShopify):
    from django.db import connection as db_connection
    from django.test import Client

    from tests.orders.services.test_shop_sync import _in_threads

    if db_connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    for order_id in (4601, 4602, 4603):  # three races
        fake_shopify.add_order(shopify_order(order_id), updated=minutes_ago(1))
        body = json.dumps(fake_shopify.orders[order_id]).encode()

        def by_webhook(body=body, order_id=order_id):
            return (
                Client()
                .post(
                    "/webhooks/shopify/shopify/orders-create/",
                    data=body,
                    content_type="application/json",
                    HTTP_X_SHOPIFY_HMAC_SHA256=compute_signature(WEBHOOK_SECRET, body),
                    HTTP_X_SHOPIFY_TOPIC="orders/create",
                    HTTP_X_SHOPIFY_WEBHOOK_ID=f"w-{order_id}",
                )
                .status_code
            )

        ShopConnection.objects.filter(pk=shop.pk).update(pull_cursor="", last_pull_at=None)
        status, _run = _in_threads(by_webhook, lambda: pull_orders(connection_id=shop.pk))

        assert status == 200
        assert Order.objects.filter(channel=shop.channel, external_id=str(order_id)).count() == 1


def test_a_stock_push_the_shop_fails_is_retried_with_the_quantity_of_the_retry(
    shop, fake_shopify: FakeShopify, products
):
    shirt = fake_shopify.add_variant(11, "SHIRT-BLK-M", 0)
    warehouse = ordering.make_warehouse()
    receive_stock(product=products["SHIRT-BLK-M"], warehouse=warehouse, quantity=3, reference="PO-1")
    original = fake_shopify.handle

    def fail_setting_once(method, path, query, headers, body, _done=[]):  # noqa: B006
        if path.endswith("/inventory_levels/set.json") and not _done:
            _done.append(True)
            return 503, {"errors": "Service Unavailable"}, {}
        return original(method, path, query, headers, body)

    fake_shopify.handle = fail_setting_once
    sync_all_stock()
    (message,) = deliver_pending("shop_stock")
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 1) and "HTTP 503" in message.last_error

    receive_stock(product=products["SHIRT-BLK-M"], warehouse=warehouse, quantity=2, reference="PO-2")
    with time_machine.travel(NOW + datetime.timedelta(minutes=1), tick=False):
        (message,) = deliver_pending("shop_stock")

    assert message.status == OutboxStatus.DELIVERED
    assert fake_shopify.levels[(shirt, fake_shopify.location_id)] == 5  # read when delivered, not when queued
