"""The customer portal (/track/): finding an order, signed links, the order page, rate limits."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from orders.portal_links import SALT, make_token, portal_path, portal_url, read_token
from orders.selectors import portal as portal_selectors
from tests.orders.portal_fixtures import lookup, page_of, place_for, without_csrf

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    """A visitor whose browser asks for English."""
    return Client(HTTP_ACCEPT_LANGUAGE="en")


# --- finding an order -------------------------------------------------------------------------------


def test_a_customer_finds_the_order_by_number_and_email_and_sees_it(client):
    order = place_for("Erika@Example.de")

    response = lookup(client, f"  {order.number.lower()} ", "ERIKA@example.DE ")

    assert response.status_code == 302
    assert read_token(response["Location"].split("/")[-2]).order_id == order.pk
    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert order.number in text and order.lines.get().name in text
    assert "Order received" in text
    assert "no-store" in page["Cache-Control"] and page["Referrer-Policy"] == "same-origin"


def test_a_customer_finds_the_order_by_number_and_postcode(client):
    order = place_for(postcode="10115")

    assert lookup(client, order.number, "10 115").status_code == 302


def test_the_postcode_lookup_can_be_switched_off(client, settings):
    settings.PORTAL_LOOKUP_BY_POSTCODE = False
    order = place_for(postcode="10115")

    assert lookup(client, order.number, "10115").status_code == 404


def test_a_wrong_email_an_unknown_number_and_a_neighbours_number_answer_alike(
    client, django_assert_num_queries, monkeypatch
):
    """Enumeration: whether the number exists, belongs to someone else, or the e-mail is wrong, the
    answer is the same page with the same status, after the same queries and comparisons."""
    mine = place_for("erika@example.de")
    neighbour = place_for("max@example.de", name="Max Muster", postcode="80331")
    compares = []
    real_compare = portal_selectors.constant_time_compare
    monkeypatch.setattr(
        portal_selectors, "constant_time_compare", lambda a, b: compares.append(1) or real_compare(a, b)
    )
    year, counter = mine.number.split("-")
    unknown = f"{year}-{int(counter) + 1000:06d}"
    attempts = {
        "wrong e-mail": (mine.number, "someone@example.de"),
        "unknown number": (unknown, "erika@example.de"),
        "neighbour's number with my e-mail": (neighbour.number, "erika@example.de"),
        "neighbour's number with my postcode": (neighbour.number, "10115"),
        "malformed number": ("2026-00000X", "erika@example.de"),
    }
    answers = {}
    work = {}
    for label, (number, secret) in attempts.items():
        compares.clear()
        with django_assert_num_queries(1):
            response = lookup(client, number, secret)
        work[label] = len(compares)
        answers[label] = (response.status_code, without_csrf(response.content, number), sorted(response.cookies))
    assert {status for status, _body, _cookies in answers.values()} == {404}
    assert len({body for _status, body, _cookies in answers.values()}) == 1
    assert len({tuple(cookies) for _status, _body, cookies in answers.values()}) == 1
    assert set(work.values()) == {3}
    # And the real combination does the same work.
    compares.clear()
    with django_assert_num_queries(1):
        assert lookup(client, mine.number, "erika@example.de").status_code == 302
    assert len(compares) == 3
    body = answers["wrong e-mail"][1]
    assert "We could not find an order with these details" in body
    assert "someone@example.de" not in body and "Max Muster" not in body


def test_an_order_without_a_postcode_match_is_not_found_with_an_empty_postcode(client):
    order = place_for()

    response = lookup(client, order.number, "")

    assert response.status_code == 422  # a required field: the form says so, nothing is looked up
    assert "This field is required." in response.content.decode()


@pytest.mark.parametrize(
    "number",
    ["'; DROP TABLE orders_order; --", "<script>alert(1)</script>", "x" * 10_000, "A\x00B", "📦" * 30, "%00"],
)
def test_malformed_numbers_are_answered_without_error(client, number):
    place_for()

    response = lookup(client, number, "erika@example.de")

    assert response.status_code in (404, 422)
    assert b"<script>alert(1)</script>" not in response.content


def test_a_huge_email_is_refused_with_a_message(client):
    order = place_for()

    response = lookup(client, order.number, "a" * 5000 + "@example.de")

    assert response.status_code == 422
    assert "Ensure this value has at most 254 characters" in response.content.decode()


# --- rate limits ------------------------------------------------------------------------------------


def test_the_eleventh_lookup_a_minute_from_one_address_is_429_with_a_friendly_page(client):
    order = place_for()
    with time_machine.travel(datetime.datetime(2026, 12, 7, 10, 0, 5, tzinfo=datetime.UTC), tick=False):
        answers = [lookup(client, f"2026-{n:06d}", "erika@example.de").status_code for n in range(1, 11)]
        refused = lookup(client, order.number, "erika@example.de")  # right, but one too many
    with time_machine.travel(datetime.datetime(2026, 12, 7, 10, 1, 5, tzinfo=datetime.UTC), tick=False):
        next_minute = lookup(client, order.number, "erika@example.de")

    assert answers == [404] * 10
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert "Too many attempts" in refused.content.decode()
    assert next_minute.status_code == 302


def test_lookups_of_one_order_number_from_many_addresses_are_limited_too(settings):
    order = place_for()
    settings.PORTAL_LOOKUPS_PER_ADDRESS = 100
    with time_machine.travel(datetime.datetime(2026, 12, 7, 10, 0, 5, tzinfo=datetime.UTC), tick=False):
        answers = [
            lookup(
                Client(REMOTE_ADDR=f"203.0.113.{n}", HTTP_ACCEPT_LANGUAGE="en"), order.number, f"guess{n}@example.de"
            ).status_code
            for n in range(1, 12)
        ]
        other_number = lookup(Client(REMOTE_ADDR="203.0.113.99"), "2026-999999", "erika@example.de")

    assert answers == [404] * 10 + [429]
    assert other_number.status_code == 404


def test_the_limits_are_settings(client, settings):
    settings.PORTAL_LOOKUPS_PER_ADDRESS = 2
    with time_machine.travel(datetime.datetime(2026, 12, 7, 10, 0, 5, tzinfo=datetime.UTC), tick=False):
        answers = [lookup(client, f"2026-{n:06d}", "x@example.de").status_code for n in range(1, 4)]

    assert answers == [404, 404, 429]


@pytest.mark.redis
def test_the_counters_are_kept_in_redis_when_it_is_configured(client, settings):
    from django.core.cache import cache, caches

    if not settings.REDIS_URL:
        pytest.fail("REDIS_URL is not set")
    assert "Redis" in type(caches["default"]).__name__
    settings.PORTAL_LOOKUPS_PER_ADDRESS = 1
    with time_machine.travel(datetime.datetime(2026, 12, 7, 10, 0, 5, tzinfo=datetime.UTC), tick=False):
        lookup(client, "2026-000001", "x@example.de")
        # Another web process shares nothing with this one but Redis.
        cache.close()
        assert lookup(Client(), "2026-000002", "x@example.de").status_code == 429


# --- signed links -----------------------------------------------------------------------------------


def test_a_link_altered_to_a_neighbours_order_is_refused(client):
    mine = place_for("erika@example.de")
    neighbour = place_for("max@example.de", name="Max Muster")
    token = make_token(mine.pk, valid_for=datetime.timedelta(days=1))
    _payload, signature = token.rsplit(":", 1)
    forged_payload = signing.b64_encode(f"[{neighbour.pk},{token_expiry(token)}]".encode()).decode()

    for altered in (
        f"{forged_payload}:{signature}",
        signing.dumps([neighbour.pk, token_expiry(token)], salt="another salt", compress=False),
        signing.dumps([neighbour.pk, token_expiry(token)], key="not our key", salt=SALT, compress=False),
        token[:-1] + ("A" if token[-1] != "A" else "B"),
        "garbage",
        "x" * 500,
    ):
        response = client.get(reverse("orders:portal-order", args=[altered]))
        assert response.status_code == 404, altered
        text = response.content.decode()
        assert "This link does not work" in text
        assert "Max Muster" not in text and neighbour.number not in text


def token_expiry(token: str) -> int:
    return signing.loads(token, salt=SALT)[1]


def test_an_expired_link_is_refused_and_says_so(client, settings):
    settings.PORTAL_MAIL_LINK_DAYS = 30
    order = place_for()
    issued = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(issued, tick=False):
        url = portal_url(order.pk)
    path = url.removeprefix(settings.PORTAL_BASE_URL.rstrip("/"))

    with time_machine.travel(issued + datetime.timedelta(days=29, hours=23), tick=False):
        assert client.get(path).status_code == 200
    with time_machine.travel(issued + datetime.timedelta(days=30, seconds=1), tick=False):
        refused = client.get(path)
        posted = client.post(path + "cases/", {"case-topic": "where", "case-message": "Hallo"})

    assert refused.status_code == 410
    assert "This link has expired" in refused.content.decode()
    assert order.number not in refused.content.decode()
    assert posted.status_code == 410


def test_a_lookup_link_lasts_the_lookup_hours(settings):
    settings.PORTAL_LOOKUP_LINK_HOURS = 2
    now = timezone.now()
    order = place_for()
    token = portal_path(order.pk).split("/")[-2]

    assert read_token(token, now=now + datetime.timedelta(hours=1, minutes=59)).order_id == order.pk
    with pytest.raises(Exception, match="expired"):
        read_token(token, now=now + datetime.timedelta(hours=2, minutes=1))


def test_the_order_confirmation_carries_a_link_that_opens_the_order(client, settings):
    from oms.mail import render_mail
    from orders.mails import ORDER_CONFIRMATION

    order = place_for()
    for language in ("de", "en"):
        rendered = render_mail(ORDER_CONFIRMATION, subject_id=str(order.pk), language=language)
        start = settings.PORTAL_BASE_URL.rstrip("/") + "/track/"
        assert start in rendered.text and start in rendered.html
        link = rendered.text.split(start, 1)[1].split()[0]
        assert client.get("/track/" + link).status_code == 200


# --- the order page ---------------------------------------------------------------------------------


def test_the_page_shows_nothing_meant_for_staff(client, support_user):
    from orders.services.lifecycle import add_note, hold_order

    order = place_for()
    hold_order(order=order, reason="Betrugsverdacht: Adresse prüfen")
    add_note(order=order, text="Interne Notiz: Kunde ruft oft an", user=support_user)

    text = page_of(client, order)

    assert "Betrugsverdacht" not in text and "Interne Notiz" not in text
    assert "routing" not in text.lower()
    assert "/support/" not in text


def test_staff_panels_cannot_be_registered_on_the_customer_slot():
    from oms import panels

    with pytest.raises(ValueError):
        panels.register("customer-order", name="notes", template="x.html", context=lambda **_: {})
    with pytest.raises(ValueError):
        panels.register_customer("order-detail", name="shipments", template="x.html", context=lambda **_: {})
    assert panels.render_slot("customer-order") == []
    assert {p.name for p in panels.customer_panels_for("customer-order")} >= {"shipments"}


def test_a_cancelled_order_says_so(client):
    from orders.services.cancellation import cancel_order

    order = place_for()
    cancel_order(order=order, reason="Kunde möchte nicht mehr")

    text = page_of(client, order)

    assert "This order was cancelled on" in text
    assert "Kunde möchte nicht mehr" not in text
