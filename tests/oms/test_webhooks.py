"""Outbound webhooks against a real HTTP server on 127.0.0.1: written with the change they report,
signed as the README says (its recipe verifies them), numbered per order, retried with backoff up
to the limit and visible in the log, sent again by hand; never to an address inside our network."""

from __future__ import annotations

import datetime
import json
import re
import threading
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import translation

from oms import outbox, webhooks
from oms.models import (
    OutboxMessage,
    OutboxStatus,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookSubscription,
)
from oms.outbox import sweep_outbox_task
from orders.services.intake import place_order
from tests.reliability import ordering

SECRET = "s3cret-for-the-erp-0123456789"
README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(autouse=True)
def _english():
    """Errors are checked in English, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


def _readme_verify():
    """The verification recipe of the README, as a receiver would copy it."""
    text = README.read_text()
    block = re.search(r"<!-- webhook-verify -->\s*```python\n(.*?)```", text, re.S)
    assert block, "the README shows how to verify a webhook"
    namespace: dict = {}
    exec(block.group(1), namespace)
    return namespace["verify"]


def _subscribe(url: str, *events: str) -> WebhookSubscription:
    return WebhookSubscription.objects.create(name="ERP", url=url, secret=SECRET, events=list(events))


def _place(sku: str = "HOOK-1"):
    ordering.make_product(sku, units=10)
    return place_order(channel=ordering.make_channel("web"), draft=ordering.order_draft({sku: 1})).order


@pytest.mark.django_db(transaction=True)
def test_an_order_placed_reaches_the_subscriber_signed_and_numbered(receiver):
    _subscribe(receiver.url, "order.created", "order.status_changed")
    order = _place()

    # Placed, confirmed (invoice) and allocated: three events of this order, in order.
    bodies = [json.loads(r.body) for r in receiver.requests]
    assert [(b["event"], b["data"]["internal_event"]) for b in bodies] == [
        ("order.created", "order.placed"),
        ("order.status_changed", "order.confirmed"),
        ("order.status_changed", "order.allocated"),
    ]
    assert [b["sequence"] for b in bodies] == [1, 2, 3]
    assert bodies[0]["data"]["number"] == order.number
    assert bodies[1]["data"]["state"] == "confirmed"
    verify = _readme_verify()
    for request in receiver.requests:
        assert request.path == "/hooks/oms"
        assert request.headers["content-type"] == "application/json"
        assert verify(SECRET, request.headers["x-oms-signature"], request.body)
        assert not verify("another secret", request.headers["x-oms-signature"], request.body)
        tampered = request.body.replace(b'"sequence":', b'"sequence":1')
        assert tampered != request.body and not verify(SECRET, request.headers["x-oms-signature"], tampered)
    assert [r.headers["x-oms-delivery"] for r in receiver.requests] == [b["id"] for b in bodies]
    assert [r.headers["x-oms-sequence"] for r in receiver.requests] == ["1", "2", "3"]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {WebhookDeliveryStatus.DELIVERED}
    # The next order counts from one again.
    _place("HOOK-2")
    assert json.loads(receiver.requests[3].body)["sequence"] == 1


@pytest.mark.django_db(transaction=True)
def test_a_change_that_rolls_back_sends_nothing_and_unsubscribed_events_are_not_sent(receiver):
    _subscribe(receiver.url, "order.created")
    with pytest.raises(RuntimeError), transaction.atomic():
        _place()
        assert WebhookDelivery.objects.count() == 1  # written with the order ...
        raise RuntimeError("intake failed after placing")
    assert WebhookDelivery.objects.count() == 0  # ... and gone with it
    assert receiver.requests == []

    _place("HOOK-3")
    assert [json.loads(r.body)["event"] for r in receiver.requests] == ["order.created"]


@pytest.mark.django_db(transaction=True)
def test_a_failing_receiver_is_retried_with_backoff_and_every_attempt_is_logged(receiver, settings, time_machine):
    settings.OUTBOX_SWEEP_GRACE_SECONDS = 0
    start = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=datetime.UTC)
    time_machine.move_to(start, tick=False)
    receiver.answers = [(500, "database locked"), (503, "maintenance")]
    _subscribe(receiver.url, "order.created")
    _place()

    delivery = WebhookDelivery.objects.get()
    message = OutboxMessage.objects.get(kind="webhook")
    assert delivery.status == WebhookDeliveryStatus.PENDING and delivery.last_status_code == 500
    assert message.next_attempt_at == start + datetime.timedelta(seconds=30)
    time_machine.shift(datetime.timedelta(seconds=29))
    assert sweep_outbox_task() == 0  # not due yet
    time_machine.shift(datetime.timedelta(seconds=1))
    assert sweep_outbox_task() == 1  # 503 again
    message.refresh_from_db()
    assert message.next_attempt_at == start + datetime.timedelta(seconds=30 + 60)  # doubled
    time_machine.shift(datetime.timedelta(seconds=60))
    assert sweep_outbox_task() == 1  # taken

    delivery.refresh_from_db()
    assert delivery.status == WebhookDeliveryStatus.DELIVERED and delivery.attempts == 3
    log = list(delivery.attempt_log.values_list("status_code", "response_excerpt"))
    assert log == [(500, "database locked"), (503, "maintenance"), (200, "ok")]
    # One delivery id on every attempt: the receiver can drop what it already has.
    assert len({r.headers["x-oms-delivery"] for r in receiver.requests}) == 1 and len(receiver.requests) == 3


@pytest.mark.django_db(transaction=True)
def test_retries_stop_at_the_limit_the_failure_is_visible_and_staff_send_it_again(receiver, settings, admin_client_):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    receiver.default = (500, "<html>Internal Server Error</html>" + "x" * 2000)
    _subscribe(receiver.url, "order.created")
    _place()
    message = OutboxMessage.objects.get(kind="webhook")
    for _retry in range(2):
        outbox.deliver(message.pk)
    outbox.deliver(message.pk)  # after the limit: nothing more is sent

    delivery = WebhookDelivery.objects.get()
    message.refresh_from_db()
    assert (delivery.status, delivery.attempts, message.status) == ("failed", 3, OutboxStatus.FAILED)
    assert len(receiver.requests) == 3
    assert len(delivery.attempt_log.get(pk=delivery.attempt_log.first().pk).response_excerpt) == 500

    page = admin_client_.get(reverse("admin:oms_webhookdelivery_change", args=[delivery.pk]))
    assert page.status_code == 200
    assert "Internal Server Error" in page.content.decode() and "order.created" in page.content.decode()
    listing = admin_client_.get(reverse("admin:oms_webhookdelivery_changelist"), {"status": "failed"})
    assert listing.status_code == 200 and "order.created" in listing.content.decode()

    receiver.default = (204, "")
    admin_client_.post(
        reverse("admin:oms_webhookdelivery_changelist"),
        {"action": "replay", "_selected_action": [delivery.pk]},
    )
    delivery.refresh_from_db()
    assert delivery.status == WebhookDeliveryStatus.DELIVERED
    assert receiver.requests[-1].headers["x-oms-delivery"] == str(delivery.delivery_id)


@pytest.mark.django_db(transaction=True)
def test_a_receiver_that_does_not_answer_in_time_is_logged_and_tried_again(receiver, settings):
    settings.WEBHOOK_TIMEOUT_SECONDS = 0.3
    receiver.delay = 1.0
    _subscribe(receiver.url, "order.created")
    order = _place()

    assert order.pk  # the order is placed whatever the receiver does
    delivery = WebhookDelivery.objects.get()
    [attempt] = delivery.attempt_log.all()
    assert attempt.status_code is None and "timed out" in attempt.error.lower()
    assert delivery.status == WebhookDeliveryStatus.PENDING  # the outbox tries again later


@pytest.mark.django_db(transaction=True)
def test_a_broker_outage_at_commit_delays_the_webhook_until_the_sweep_sends_it_once(receiver, monkeypatch, settings):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("redis is away")

    _subscribe(receiver.url, "order.created")
    monkeypatch.setattr(outbox.deliver_outbox_message_task, "apply_async", broker_down)
    _place()
    assert receiver.requests == []

    monkeypatch.undo()
    settings.OUTBOX_SWEEP_GRACE_SECONDS = 0
    assert sweep_outbox_task() == 2  # the webhook and the order confirmation
    assert sweep_outbox_task() == 0
    assert len(receiver.requests) == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_events_of_one_order_get_distinct_sequence_numbers(settings):
    subscription = _subscribe("https://erp.example.com/hooks", "order.status_changed")
    barrier = threading.Barrier(4)
    errors = []

    def publish_one(n: int) -> None:
        try:
            # No worker may POST to erp.example.com from here: the messages stay for the sweep.
            with outbox.hand_overs_held(), transaction.atomic():
                barrier.wait(timeout=10)
                webhooks.record("order.shipped", {"order_id": 41, "state": f"s{n}"})
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=publish_one, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert errors == []
    numbers = sorted(WebhookDelivery.objects.filter(subscription=subscription).values_list("sequence", flat=True))
    assert numbers == [1, 2, 3, 4]


# -- where we never post ------------------------------------------------------------------------------

INSIDE = [
    "http://127.0.0.1:8000/hook",
    "https://localhost/hook",
    "https://10.1.2.3/hook",
    "https://192.168.0.10/hook",
    "https://172.16.5.4/hook",
    "https://169.254.169.254/latest/meta-data/",
    "https://[::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://[fd00::1]/hook",
    "https://100.64.0.1/hook",
    "https://0.0.0.0/hook",
]


@pytest.mark.parametrize("url", INSIDE)
def test_addresses_inside_our_network_are_refused(url, settings):
    settings.WEBHOOK_REQUIRE_HTTPS = False
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(webhooks.TargetRefused, match="inside our own network"):
        webhooks.check_url(url)


@pytest.mark.parametrize("url", ["ftp://erp.example.com/x", "file:///etc/passwd", "javascript:alert(1)", "gopher://x"])
def test_only_http_urls_are_accepted_and_only_https_in_production(url, settings):
    settings.WEBHOOK_REQUIRE_HTTPS = True
    with pytest.raises(webhooks.TargetRefused, match="https://"):
        webhooks.check_url(url)
    with pytest.raises(webhooks.TargetRefused, match="https://"):
        webhooks.check_url("http://93.184.216.34/hook")
    target = webhooks.check_url("https://93.184.216.34:8443/hook?x=1")
    assert (target.address, target.port, target.path) == ("93.184.216.34", 8443, "/hook?x=1")


@pytest.mark.django_db(transaction=True)
def test_a_subscription_pointing_inside_our_network_posts_nothing_and_says_why(receiver, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False  # the receiver runs on 127.0.0.1
    _subscribe(receiver.url, "order.created")
    _place()

    assert receiver.requests == []
    [attempt] = WebhookDelivery.objects.get().attempt_log.all()
    assert "inside our own network" in attempt.error


@pytest.mark.django_db
def test_the_admin_refuses_a_private_or_plain_http_url_with_a_clear_message(admin_client_, settings):
    settings.WEBHOOK_REQUIRE_HTTPS = True
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = False
    add = reverse("admin:oms_webhooksubscription_add")
    form = {"name": "ERP", "secret": "x" * 32, "events": ["order.created"], "active": "on"}

    for url, message in [
        ("https://169.254.169.254/", "inside our own network"),
        ("http://erp.example.com/hook", "https://"),
    ]:
        response = admin_client_.post(add, {**form, "url": url}, headers={"accept-language": "en"})
        assert response.status_code == 200 and message in response.content.decode()
    assert WebhookSubscription.objects.count() == 0

    page = admin_client_.get(add)
    assert page.status_code == 200 and "order.status_changed" in page.content.decode()
    response = admin_client_.post(add, {**form, "url": "https://93.184.216.34/hooks"})
    assert response.status_code == 302
    assert WebhookSubscription.objects.get().events == ["order.created"]


@pytest.mark.django_db
def test_every_internal_event_has_a_stable_public_name_with_a_label():
    assert webhooks.PUBLIC_EVENTS["order.placed"] == "order.created"
    assert {webhooks.PUBLIC_EVENTS[e] for e in webhooks.ORDER_TRANSITION_EVENTS} == {"order.status_changed"}
    assert set(webhooks.PUBLIC_EVENTS.values()) == set(webhooks.PUBLIC_EVENT_LABELS)
    readme = README.read_text()
    for public in webhooks.PUBLIC_EVENT_LABELS:
        assert f"`{public}`" in readme, public


HOSTILE_URLS = [
    "https://[::1",
    "https://exa mple.com/",
    "https://" + "a" * 600 + ".com/",
    "https://user:pw@93.184.216.34/",
    "<script>alert(1)</script>",
    "https://93.184.216.34:99999/",
    "https://\u0000evil/",
    "",
]


@pytest.mark.django_db
@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_hostile_webhook_urls_are_refused_with_a_message_and_never_a_server_error(url, admin_client_):
    add = reverse("admin:oms_webhooksubscription_add")
    response = admin_client_.post(
        add, {"name": "<b>ERP</b>", "url": url, "secret": "x" * 32, "events": ["order.created"], "active": "on"}
    )
    assert response.status_code == 200
    assert "errornote" in response.content.decode() and "<script>alert(1)</script>" not in response.content.decode()
    assert WebhookSubscription.objects.count() == 0
