"""The Stripe webhook: signature (t= and v1= HMAC-SHA256 over "t.payload", 300 s tolerance)
before anything is read or stored, each event id processed once, and what each event books."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from billing.models import ProviderEvent
from billing.providers.stripe import compute_signature, signature_header, verify_signature
from billing.services.refunds import refund_payment
from orders.models import Order, OrderEvent, OrderState, PaymentState, PaymentTransaction, TransactionKind
from tests.billing.factories import capture, placed_order

pytestmark = pytest.mark.django_db

SECRET = "whsec_test_secret"
NOW = datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC)
URL = "/webhooks/stripe/"


@pytest.fixture(autouse=True)
def _stripe(settings):
    settings.STRIPE_WEBHOOK_SECRET = SECRET
    settings.STRIPE_WEBHOOK_TOLERANCE_SECONDS = 300
    with time_machine.travel(NOW, tick=False):
        yield


def _event(event_type: str, obj: dict, *, event_id: str = "evt_1") -> dict:
    return {"id": event_id, "object": "event", "type": event_type, "data": {"object": obj}}


def _intent(order: Order, *, pi: str = "pi_1", cents: int | None = None, **extra) -> dict:
    return {
        "id": pi,
        "object": "payment_intent",
        "amount_received": int(order.total * 100) if cents is None else cents,
        "currency": "eur",
        "metadata": {"order_number": order.number},
        "latest_charge": "ch_1",
        **extra,
    }


def _post(client, event: dict, *, secret: str = SECRET, age: int = 0, header: str | None = None):
    raw = json.dumps(event).encode()
    if header is None:
        header = signature_header(secret, raw, timestamp=int(NOW.timestamp()) - age)
    return client.post(URL, raw, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)


def _captures(order):
    return list(PaymentTransaction.objects.filter(order=order, kind=TransactionKind.CAPTURE))


def _refunds(order):
    return list(PaymentTransaction.objects.filter(order=order, kind=TransactionKind.REFUND).order_by("pk"))


def test_the_url_is_the_public_webhook():
    assert reverse("billing:stripe-webhook") == URL


# --- the signature --------------------------------------------------------------------------------


def test_a_correctly_signed_payment_intent_succeeded_books_the_capture_and_confirms_the_order(client):
    order = placed_order(payment_method="card")
    assert order.state == OrderState.PENDING

    response = _post(client, _event("payment_intent.succeeded", _intent(order)))

    assert response.status_code == 200
    assert response.json() == {"status": "booked", "event_id": "evt_1", "order": order.number}
    (paid,) = _captures(order)
    assert (paid.provider, paid.provider_reference, paid.amount) == ("stripe", "pi_1", order.total)
    order.refresh_from_db()
    assert order.payment_state == PaymentState.PAID and order.state != OrderState.PENDING
    assert ProviderEvent.objects.get(event_id="evt_1").order == order


@pytest.mark.parametrize(
    "how",
    ["wrong-secret", "tampered-body", "no-header", "garbage-header", "too-old", "from-the-future", "no-v1"],
)
def test_a_delivery_that_is_not_verified_is_refused_and_stores_nothing(client, how):
    order = placed_order(payment_method="card")
    event = _event("payment_intent.succeeded", _intent(order))
    raw = json.dumps(event).encode()
    t = int(NOW.timestamp())
    headers = {
        "wrong-secret": signature_header("whsec_other", raw, timestamp=t),
        "tampered-body": f"t={t},v1={compute_signature(SECRET, t, raw.replace(b'pi_1', b'pi_2'))}",
        "no-header": "",
        "garbage-header": "v1=;t=abc,,==",
        "too-old": signature_header(SECRET, raw, timestamp=t - 301),
        "from-the-future": signature_header(SECRET, raw, timestamp=t + 301),
        "no-v1": f"t={t},v0={compute_signature(SECRET, t, raw)}",
    }

    response = _post(client, event, header=headers[how])

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_signature"
    assert _captures(order) == [] and not ProviderEvent.objects.exists()


def test_a_delivery_signed_299_seconds_ago_is_still_accepted(client):
    order = placed_order(payment_method="card")
    assert _post(client, _event("payment_intent.succeeded", _intent(order)), age=299).status_code == 200


def test_without_a_configured_secret_nothing_verifies(client, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    order = placed_order(payment_method="card")
    assert _post(client, _event("payment_intent.succeeded", _intent(order)), secret="").status_code == 401


def test_one_of_several_signatures_matching_is_enough_while_a_secret_is_rolled():
    raw = b'{"id": "evt"}'
    t = int(NOW.timestamp())
    header = f"t={t},v1={compute_signature('whsec_old', t, raw)},v1={compute_signature(SECRET, t, raw)}"
    assert verify_signature(SECRET, raw, header, now=t)
    assert not verify_signature("whsec_third", raw, header, now=t)


def test_only_post_is_taken_and_a_signed_body_that_is_no_event_is_a_400(client):
    assert client.get(URL).status_code == 405
    raw = b"[1, 2"
    header = signature_header(SECRET, raw, timestamp=int(NOW.timestamp()))
    response = client.post(URL, raw, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)
    assert response.status_code == 400
    assert _post(client, {"id": "evt_x", "type": "payment_intent.succeeded"}).status_code == 400


# --- each event once ------------------------------------------------------------------------------


def test_a_replayed_event_is_a_no_op(client):
    order = placed_order(payment_method="card")
    event = _event("payment_intent.succeeded", _intent(order))

    first = _post(client, event)
    replay = _post(client, event, age=10)

    assert first.json()["status"] == "booked"
    assert replay.status_code == 200 and replay.json() == {"status": "duplicate", "event_id": "evt_1"}
    assert len(_captures(order)) == 1
    assert ProviderEvent.objects.count() == 1


def test_the_same_payment_in_another_event_books_nothing_twice(client):
    order = placed_order(payment_method="card")
    _post(client, _event("payment_intent.succeeded", _intent(order), event_id="evt_a"))
    _post(client, _event("payment_intent.succeeded", _intent(order), event_id="evt_b"))
    assert len(_captures(order)) == 1


def test_an_unknown_order_is_a_404_and_is_not_recorded_so_a_retry_can_book_it(client):
    order = placed_order(payment_method="card")
    event = _event("payment_intent.succeeded", {**_intent(order), "metadata": {"order_number": "2099-999999"}})

    response = _post(client, event)

    assert response.status_code == 404 and response.json()["code"] == "unknown_order"
    assert not ProviderEvent.objects.exists() and _captures(order) == []


def test_a_payment_without_an_order_number_is_not_ours_and_is_ignored(client):
    order = placed_order(payment_method="card")
    response = _post(client, _event("payment_intent.succeeded", {**_intent(order), "metadata": {}}))
    assert response.status_code == 200 and response.json()["status"] == "ignored"
    assert _captures(order) == []


def test_an_event_type_we_do_not_handle_is_acknowledged(client):
    response = _post(client, _event("customer.created", {"id": "cus_1"}))
    assert response.status_code == 200 and response.json()["status"] == "ignored"


def test_an_event_in_another_currency_is_refused(client):
    order = placed_order(payment_method="card")
    response = _post(client, _event("payment_intent.succeeded", {**_intent(order), "currency": "usd"}))
    assert response.status_code == 422 and response.json()["code"] == "currency_mismatch"
    assert _captures(order) == []


# --- refunds ----------------------------------------------------------------------------------------


def _charge(order: Order, *, refunds: list[dict] | None, amount_refunded: int, pi: str = "pi_1") -> dict:
    charge = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": pi,
        "currency": "eur",
        "amount": int(order.total * 100),
        "amount_refunded": amount_refunded,
        "metadata": {},
    }
    if refunds is not None:
        charge["refunds"] = {"object": "list", "data": refunds}
    return charge


def test_charge_refunded_books_refunds_made_in_the_dashboard_but_not_the_ones_we_started(client):
    order = placed_order(payment_method="card")
    capture(order, str(order.total), reference="pi_1")
    ours = refund_payment(order=order, amount=Decimal("10.00"), reason="Kratzer", token="r").transactions[0]
    listed = [
        {"id": ours.provider_reference, "amount": 1000, "status": "succeeded"},
        {"id": "re_dashboard", "amount": 500, "status": "succeeded"},
        {"id": "re_failed", "amount": 700, "status": "failed"},
    ]

    response = _post(client, _event("charge.refunded", _charge(order, refunds=listed, amount_refunded=1500)))

    assert response.status_code == 200 and response.json()["status"] == "booked"
    assert [(r.provider_reference, r.amount) for r in _refunds(order)] == [
        (ours.provider_reference, Decimal("10.00")),
        ("re_dashboard", Decimal("5.00")),
    ]
    again = _post(
        client, _event("charge.refunded", _charge(order, refunds=listed, amount_refunded=1500), event_id="e2")
    )
    assert again.json()["status"] == "ignored" and len(_refunds(order)) == 2


def test_charge_refunded_without_the_refund_list_books_the_difference_to_what_is_booked(client):
    order = placed_order(payment_method="card")
    capture(order, str(order.total), reference="pi_1")
    refund_payment(order=order, amount=Decimal("10.00"), reason="Teil", token="r")

    _post(client, _event("charge.refunded", _charge(order, refunds=None, amount_refunded=1250)))

    assert [r.amount for r in _refunds(order)] == [Decimal("10.00"), Decimal("2.50")]


def test_a_refund_that_overtook_its_payment_is_a_409_and_booked_on_the_retry(client):
    order = placed_order(payment_method="card")
    refunded = _event(
        "charge.refunded",
        _charge(order, refunds=[{"id": "re_1", "amount": 100, "status": "succeeded"}], amount_refunded=100),
        event_id="evt_r",
    )
    early = _post(
        client,
        {**refunded, "data": {"object": {**refunded["data"]["object"], "metadata": {"order_number": order.number}}}},
    )
    assert early.status_code == 409 and not ProviderEvent.objects.filter(event_id="evt_r").exists()

    _post(client, _event("payment_intent.succeeded", _intent(order)))
    retry = _post(client, refunded)

    assert retry.status_code == 200 and [r.amount for r in _refunds(order)] == [Decimal("1.00")]


# --- failed payments ------------------------------------------------------------------------------


def test_a_failed_payment_holds_the_order_with_stripes_reason(client):
    order = placed_order(payment_method="card")
    failed = _intent(order, cents=0, last_payment_error={"code": "card_declined", "message": "Your card was declined."})

    response = _post(client, _event("payment_intent.payment_failed", failed))

    assert response.status_code == 200 and response.json()["status"] == "held"
    order.refresh_from_db()
    assert order.state == OrderState.ON_HOLD
    assert "Your card was declined." in order.hold_reason
    assert OrderEvent.objects.filter(order=order, to_state=OrderState.ON_HOLD).exists()


def test_a_failed_attempt_reported_after_the_payment_succeeded_holds_nothing(client):
    order = placed_order(payment_method="card")
    _post(client, _event("payment_intent.succeeded", _intent(order), event_id="evt_ok"))
    failed = _intent(order, cents=0, last_payment_error={"message": "Declined"})

    response = _post(client, _event("payment_intent.payment_failed", failed, event_id="evt_fail"))

    assert response.json()["status"] == "ignored"
    assert Order.objects.get(pk=order.pk).state != OrderState.ON_HOLD
