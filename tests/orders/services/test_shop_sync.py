"""Shop sync against a fake WooCommerce shop on 127.0.0.1: orders pulled into intake once, their
payment taken over, refusals kept and retried, a shop that fails or rate-limits us put off, and
shipments, cancellations and stock pushed back through the outbox."""

# ruff: noqa: F811  (pytest fixtures come in by import)

from __future__ import annotations

import datetime
import json
import threading
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.db import connection as db_connection
from django.test import Client

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
    ShopStockMark,
    ShopSyncKind,
    ShopSyncOutcome,
    ShopSyncRun,
    TransactionKind,
)
from orders.services.cancellation import cancel_order
from orders.services.shop_sync import due_connections, pull_orders, push_marked_stock, sync_all_stock
from orders.webhooks.signatures import compute_signature
from tests.orders.api_fixtures import WEBHOOK_SECRET, fixture_json, products  # noqa: F401
from tests.orders.fake_woocommerce import CONSUMER_KEY, CONSUMER_SECRET, FakeShop, fake_shop  # noqa: F401
from tests.orders.shop_sync_fixtures import ship_whole_order, stock_the_warehouse
from tests.reliability import ordering

NOW = datetime.datetime(2026, 11, 21, 13, 10, tzinfo=datetime.UTC)

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW)]


def woo_order(order_id: int, *, status: str = "processing", sku: str | None = None) -> dict:
    """The documentation's order (fixture) as the shop's order ``order_id``."""
    payload = fixture_json("woocommerce_order_created.json")
    payload.update(id=order_id, number=str(order_id), status=status)
    if sku is not None:
        payload["line_items"][1]["sku"] = sku
    return payload


@pytest.fixture
def shop(fake_shop, products) -> ShopConnection:
    channel = Channel.objects.create(
        code="woo", name="Woo Shop", platform=ChannelPlatform.WOOCOMMERCE, webhook_secret=WEBHOOK_SECRET
    )
    return ShopConnection.objects.create(
        channel=channel,
        kind=ShopKind.WOOCOMMERCE,
        base_url=fake_shop.url,
        api_key=CONSUMER_KEY,
        api_secret=CONSUMER_SECRET,
        pull_since=NOW - datetime.timedelta(days=1),
    )


def refreshed(connection: ShopConnection) -> ShopConnection:
    return ShopConnection.objects.get(pk=connection.pk)


def deliver_pending(kind: str) -> list[OutboxMessage]:
    for message in OutboxMessage.objects.filter(kind=kind, status=OutboxStatus.PENDING):
        outbox.deliver(message.pk)
    return list(OutboxMessage.objects.filter(kind=kind).order_by("pk"))


# -- orders in ------------------------------------------------------------------------------------


def test_a_pull_takes_the_shops_orders_in_through_intake_once_and_a_second_pull_creates_nothing(
    shop, fake_shop: FakeShop
):
    fake_shop.add_order(woo_order(501), modified=NOW - datetime.timedelta(minutes=10))
    fake_shop.add_order(woo_order(502), modified=NOW - datetime.timedelta(minutes=5))

    run = pull_orders(connection_id=shop.pk)

    assert (run.outcome, run.fetched, run.created, run.refused) == (ShopSyncOutcome.OK, 2, 2, 0)
    orders = Order.objects.filter(channel=shop.channel).order_by("external_id")
    assert [o.external_id for o in orders] == ["501", "502"]
    assert orders[0].total == Decimal("67.20")
    assert orders[0].customer.email == "jonas.weber@example.com"
    assert orders[0].state != OrderState.PENDING  # "processing": paid in the shop
    state = refreshed(shop)
    assert state.pull_cursor == "2026-11-21T13:05:00"
    assert state.orders_taken_in == 2 and state.failures == 0 and state.last_success_at is not None
    assert state.pull_started_at is None  # the lease is given back
    (request,) = fake_shop.calls("GET", "/wp-json/wc/v3/orders")
    assert request.query["modified_after"] == ["2026-11-20T13:09:59"]
    assert request.query["dates_are_gmt"] == ["true"]
    assert (request.query["orderby"], request.query["order"]) == (["modified"], ["asc"])

    again = pull_orders(connection_id=shop.pk)

    assert again is None  # read the last order again (the overlap), nothing new: no run recorded
    assert Order.objects.filter(channel=shop.channel).count() == 2
    assert fake_shop.calls("GET", "/wp-json/wc/v3/orders")[-1].query["modified_after"] == ["2026-11-21T13:04:59"]
    assert ShopSyncRun.objects.count() == 1


def test_an_order_that_came_by_webhook_is_not_taken_in_again_by_the_pull(shop, fake_shop: FakeShop, client):
    payload = woo_order(503)
    fake_shop.add_order(payload, modified=NOW - datetime.timedelta(minutes=1))
    body = json.dumps(fake_shop.orders[503]).encode()
    answer = client.post(
        "/webhooks/woocommerce/woo/order/",
        data=body,
        content_type="application/json",
        HTTP_X_WC_WEBHOOK_SIGNATURE=compute_signature(WEBHOOK_SECRET, body),
        HTTP_X_WC_WEBHOOK_TOPIC="order.created",
        HTTP_X_WC_WEBHOOK_DELIVERY_ID="d-1",
    )
    assert answer.json()["status"] == "created"

    pull_orders(connection_id=shop.pk)

    assert Order.objects.filter(channel=shop.channel, external_id="503").count() == 1
    assert refreshed(shop).orders_taken_in == 0


def test_a_pending_order_the_shop_reports_paid_later_gets_its_capture_once(shop, fake_shop: FakeShop):
    fake_shop.add_order(woo_order(601, status="pending"), modified=NOW - datetime.timedelta(minutes=9))
    pull_orders(connection_id=shop.pk)
    order = Order.objects.get(channel=shop.channel, external_id="601")
    assert order.state == OrderState.PENDING

    fake_shop.change_order(601, status="processing", modified=NOW - datetime.timedelta(minutes=2))
    run = pull_orders(connection_id=shop.pk)
    pull_orders(connection_id=shop.pk)

    assert (run.created, run.updated) == (0, 1)
    captures = PaymentTransaction.objects.filter(order=order, kind=TransactionKind.CAPTURE)
    assert [c.amount for c in captures] == [Decimal("67.20")]
    order.refresh_from_db()
    assert order.state != OrderState.PENDING


def test_an_order_that_cannot_be_taken_in_is_kept_with_the_reason_and_taken_in_once_it_can(shop, fake_shop: FakeShop):
    fake_shop.add_order(woo_order(701, sku="NOT-IN-OMS"), modified=NOW - datetime.timedelta(minutes=8))
    fake_shop.add_order(woo_order(702), modified=NOW - datetime.timedelta(minutes=7))

    run = pull_orders(connection_id=shop.pk)

    assert (run.outcome, run.created, run.refused) == (ShopSyncOutcome.PARTLY, 1, 1)
    assert list(Order.objects.filter(channel=shop.channel).values_list("external_id", flat=True)) == ["702"]
    failure = ShopOrderFailure.objects.get(connection=shop, external_id="701")
    assert "NOT-IN-OMS" in failure.error and failure.resolved_at is None
    assert refreshed(shop).pull_cursor == "2026-11-21T13:03:00"  # the others went on

    ordering.make_product("NOT-IN-OMS", price="12.50")
    run = pull_orders(connection_id=shop.pk)

    assert run.created == 1
    assert fake_shop.calls("GET", "/wp-json/wc/v3/orders/701")
    failure.refresh_from_db()
    assert failure.resolved_at is not None
    assert failure.order == Order.objects.get(channel=shop.channel, external_id="701")


def test_a_shop_that_fails_puts_the_next_pull_off_with_backoff_and_says_why(shop, fake_shop: FakeShop):
    fake_shop.add_order(woo_order(801), modified=NOW - datetime.timedelta(minutes=3))
    fake_shop.fail_next(500)

    run = pull_orders(connection_id=shop.pk)

    assert run.outcome == ShopSyncOutcome.FAILED
    state = refreshed(shop)
    assert state.failures == 1 and "HTTP 500" in state.last_error
    assert NOW + datetime.timedelta(seconds=29) <= state.next_pull_at <= NOW + datetime.timedelta(seconds=45)
    assert state.pull_cursor == "2026-11-20T13:10:00"  # still where it started: nothing skipped
    assert not Order.objects.filter(channel=shop.channel).exists()
    assert shop.pk not in due_connections()

    with time_machine.travel(NOW + datetime.timedelta(minutes=3)):
        assert shop.pk in due_connections()
        run = pull_orders(connection_id=shop.pk)

    assert run.created == 1
    state = refreshed(shop)
    assert (state.failures, state.last_error, state.next_pull_at) == (0, "", None)


def test_a_shop_failing_in_the_middle_of_a_pull_keeps_what_was_taken_in_and_the_place(shop, fake_shop: FakeShop):
    for n in range(55):  # two pages of 50
        fake_shop.add_order(woo_order(2000 + n), modified=NOW - datetime.timedelta(minutes=60 - n))
    original = fake_shop.handle

    def fail_the_second_page(method, path, query, headers, body):
        if query.get("page") == ["2"] or query.get("modified_after", [""])[0] > "2026-11-21T12:30":
            return 500, {"code": "internal_server_error", "message": "busy"}, {}
        return original(method, path, query, headers, body)

    fake_shop.handle = fail_the_second_page

    run = pull_orders(connection_id=shop.pk)

    assert (run.outcome, run.created) == (ShopSyncOutcome.FAILED, 50)
    assert refreshed(shop).pull_cursor == "2026-11-21T12:59:00"  # the 50th order's change
    fake_shop.handle = original
    with time_machine.travel(NOW + datetime.timedelta(minutes=2)):
        run = pull_orders(connection_id=shop.pk)
    assert run.created == 5
    assert Order.objects.filter(channel=shop.channel).count() == 55


def test_a_rate_limit_waits_as_long_as_the_shop_asks(shop, fake_shop: FakeShop):
    fake_shop.fail_next(429, **{"Retry-After": "120"})

    run = pull_orders(connection_id=shop.pk)

    assert run.outcome == ShopSyncOutcome.RATE_LIMITED
    state = refreshed(shop)
    assert NOW + datetime.timedelta(seconds=119) <= state.next_pull_at <= NOW + datetime.timedelta(seconds=125)


def test_wrong_credentials_are_a_failed_pull_naming_the_shops_answer(shop, fake_shop: FakeShop):
    ShopConnection.objects.filter(pk=shop.pk).update(api_secret="cs_wrong")

    run = pull_orders(connection_id=shop.pk)

    assert run.outcome == ShopSyncOutcome.FAILED
    assert "HTTP 401" in run.message and "cannot list resources" in run.message


def test_beat_pulls_due_shops_and_pushes_stock_with_tasks_that_exist():
    from oms.celery import app

    app.loader.import_default_modules()
    schedule = settings.CELERY_BEAT_SCHEDULE
    for name in ("shop-pull-orders", "shop-push-stock-marks", "shop-stock-full-sync"):
        assert schedule[name]["task"] in app.tasks


# -- in parallel, on PostgreSQL ------------------------------------------------------------------------


def _in_threads(*targets):
    barrier = threading.Barrier(len(targets))
    results: list = [None] * len(targets)
    errors: list = []

    def run(i, target):
        try:
            barrier.wait()
            results[i] = target()
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=run, args=(i, t)) for i, t in enumerate(targets)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_pulls_at_once_take_each_shop_order_in_once(shop, fake_shop: FakeShop):
    if db_connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    for n in range(6):
        fake_shop.add_order(woo_order(900 + n), modified=NOW - datetime.timedelta(minutes=10 - n))
    fake_shop.delay = 0.2  # each answer takes a while: the pulls overlap

    results = _in_threads(lambda: pull_orders(connection_id=shop.pk), lambda: pull_orders(connection_id=shop.pk))

    ids = list(Order.objects.filter(channel=shop.channel).values_list("external_id", flat=True))
    assert sorted(ids) == [str(900 + n) for n in range(6)]
    assert [r is None for r in results].count(True) == 1  # the second found the shop held
    assert refreshed(shop).orders_taken_in == 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_pull_and_the_webhook_of_the_same_order_at_once_make_one_order(shop, fake_shop: FakeShop):
    if db_connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    for order_id in (950, 951, 952):  # three races
        fake_shop.add_order(woo_order(order_id), modified=NOW - datetime.timedelta(minutes=1))
        body = json.dumps(fake_shop.orders[order_id]).encode()

        def by_webhook(body=body, order_id=order_id):
            return (
                Client()
                .post(
                    "/webhooks/woocommerce/woo/order/",
                    data=body,
                    content_type="application/json",
                    HTTP_X_WC_WEBHOOK_SIGNATURE=compute_signature(WEBHOOK_SECRET, body),
                    HTTP_X_WC_WEBHOOK_TOPIC="order.created",
                    HTTP_X_WC_WEBHOOK_DELIVERY_ID=f"d-{order_id}",
                )
                .status_code
            )

        status, _run = _in_threads(by_webhook, lambda: pull_orders(connection_id=shop.pk))

        assert status == 200
        assert Order.objects.filter(channel=shop.channel, external_id=str(order_id)).count() == 1


# -- back to the shop -------------------------------------------------------------------------------


def _ship_pulled_order(shop: ShopConnection, fake_shop: FakeShop, order_id: int):
    """A shop order pulled in with its stock there, picked, packed, labelled and shipped."""
    stock_the_warehouse()
    fake_shop.add_order(woo_order(order_id), modified=NOW - datetime.timedelta(minutes=1))
    pull_orders(connection_id=shop.pk)
    return ship_whole_order(Order.objects.get(channel=shop.channel, external_id=str(order_id)))


def test_a_shipment_gives_the_shop_order_its_carrier_and_tracking_number_and_completes_it(shop, fake_shop: FakeShop):
    _order, shipment = _ship_pulled_order(shop, fake_shop, 1001)

    (message,) = deliver_pending("shop_shipment")

    assert message.status == OutboxStatus.DELIVERED
    (tracking,) = fake_shop.trackings[1001]
    assert tracking["tracking_number"] == shipment.tracking_number
    assert tracking["custom_tracking_provider"] == shipment.carrier_service.carrier.name
    assert shipment.tracking_number in tracking["custom_tracking_link"]
    assert tracking["date_shipped"] == NOW.date().isoformat()
    assert fake_shop.orders[1001]["status"] == "completed"
    run = ShopSyncRun.objects.get(kind=ShopSyncKind.SHIPMENT)
    assert run.outcome == ShopSyncOutcome.OK and shipment.reference in run.message


def test_a_shipment_push_the_shop_fails_is_retried_and_never_adds_the_tracking_number_twice(shop, fake_shop: FakeShop):
    _ship_pulled_order(shop, fake_shop, 1002)
    # The tracking number goes in, then the status update fails: the outbox tries again later.
    fake_shop.failures.clear()
    original = fake_shop.handle

    def fail_the_status_update_once(method, path, query, headers, body, _done=[]):  # noqa: B006
        if method == "PUT" and not _done:
            _done.append(True)
            return 500, {"code": "internal_server_error", "message": "try later"}, {}
        return original(method, path, query, headers, body)

    fake_shop.handle = fail_the_status_update_once
    (message,) = deliver_pending("shop_shipment")
    assert (message.status, message.attempts) == (OutboxStatus.PENDING, 1)
    assert "HTTP 500" in message.last_error
    assert ShopSyncRun.objects.get(kind=ShopSyncKind.SHIPMENT).outcome == ShopSyncOutcome.FAILED

    with time_machine.travel(NOW + datetime.timedelta(minutes=1)):
        (message,) = deliver_pending("shop_shipment")

    assert message.status == OutboxStatus.DELIVERED
    assert len(fake_shop.trackings[1002]) == 1
    assert fake_shop.orders[1002]["status"] == "completed"


def test_a_cancelled_order_is_cancelled_in_the_shop(shop, fake_shop: FakeShop):
    fake_shop.add_order(woo_order(1101, status="on-hold"), modified=NOW - datetime.timedelta(minutes=1))
    pull_orders(connection_id=shop.pk)
    order = Order.objects.get(channel=shop.channel, external_id="1101")

    cancel_order(order=order, reason="customer asked")
    (message,) = deliver_pending("shop_status")

    assert message.status == OutboxStatus.DELIVERED
    assert fake_shop.orders[1101]["status"] == "cancelled"
    (put,) = fake_shop.calls("PUT", "/wp-json/wc/v3/orders/1101")
    assert put.body == {"status": "cancelled"}


def test_changed_stock_reaches_the_shop_as_the_channels_available_to_promise(
    shop, fake_shop: FakeShop, products, django_capture_on_commit_callbacks
):
    fake_shop.add_product(11, "SHIRT-BLK-M", 0)
    fake_shop.add_product(12, "MUG-WHT", 0)
    fake_shop.add_product(13, "ONLY-IN-THE-SHOP", 9)
    ChannelStockBuffer.objects.create(channel_code="woo", product=products["SHIRT-BLK-M"], buffer=2)
    warehouse = ordering.make_warehouse()

    with django_capture_on_commit_callbacks(execute=True):
        receive_stock(product=products["SHIRT-BLK-M"], warehouse=warehouse, quantity=7, reference="PO-1")
    with django_capture_on_commit_callbacks(execute=True):
        receive_stock(product=products["SHIRT-BLK-M"], warehouse=warehouse, quantity=1, reference="PO-2")
    assert ShopStockMark.objects.filter(connection=shop).count() == 1  # marked once however often it changed

    assert push_marked_stock() == 1
    assert push_marked_stock() == 0  # the marks are taken
    (message,) = deliver_pending("shop_stock")

    assert message.status == OutboxStatus.DELIVERED
    (batch,) = fake_shop.calls("POST", "/wp-json/wc/v3/products/batch")
    assert batch.body == {"update": [{"id": 11, "manage_stock": True, "stock_quantity": 6}]}  # 8 on hand - 2 buffer
    (lookup,) = fake_shop.calls("GET", "/wp-json/wc/v3/products")
    assert lookup.query["sku"] == ["SHIRT-BLK-M"]

    fake_shop.products[12]["stock_quantity"] = 4  # someone changed it in the shop
    sync_all_stock()
    deliver_pending("shop_stock")

    last = fake_shop.calls("POST", "/wp-json/wc/v3/products/batch")[-1]
    assert last.body == {"update": [{"id": 12, "manage_stock": True, "stock_quantity": 0}]}  # only what differs
    assert fake_shop.products[13]["stock_quantity"] == 9  # a product we do not know is left alone
    assert fake_shop.products[11]["stock_quantity"] == 6


def test_orders_of_a_channel_without_a_shop_connection_push_nothing(fake_shop: FakeShop):
    ordering.make_product("PLAIN-1", units=3)
    order = ordering.place_orders_through_api(1)[0]
    assert order[0] == 201
    cancel_order(order=Order.objects.get(), reason="test")

    assert not OutboxMessage.objects.filter(kind__startswith="shop_").exists()


# -- what staff see ---------------------------------------------------------------------------------


def test_staff_see_the_sync_state_its_runs_and_the_orders_not_taken_in_and_can_pull_now(
    shop, fake_shop: FakeShop, admin_client_
):
    fake_shop.add_order(woo_order(1201, sku="NOT-IN-OMS"), modified=NOW - datetime.timedelta(minutes=2))
    fake_shop.add_order(woo_order(1202), modified=NOW - datetime.timedelta(minutes=1))
    pull_orders(connection_id=shop.pk)
    fake_shop.fail_next(503)
    ShopConnection.objects.filter(pk=shop.pk).update(last_pull_at=None)
    pull_orders(connection_id=shop.pk)

    listing = admin_client_.get("/admin/orders/shopconnection/").content.decode()
    page = admin_client_.get(
        f"/admin/orders/shopconnection/{shop.pk}/change/", HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()

    assert "HTTP 503" in listing  # the last error, in the list
    assert "1201" in page and "NOT-IN-OMS" in page  # the order not taken in, with the reason
    assert "Orders pulled" in page and "Failed" in page  # the runs
    assert CONSUMER_SECRET in page  # the admin edits the credentials (admins only)

    ordering.make_product("NOT-IN-OMS", price="12.50")
    answer = admin_client_.post(
        "/admin/orders/shopconnection/", {"action": "pull_now", "_selected_action": [shop.pk]}, follow=True
    )

    assert answer.status_code == 200
    assert Order.objects.filter(channel=shop.channel, external_id="1201").exists()
