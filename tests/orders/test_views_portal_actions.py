"""What a customer does in the portal: a support case (into the support queue, the agent's reply
mailed and shown), a rating after delivery; tracking on the order page; bad input."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from oms.models import CustomerMail
from orders.models import CaseMessage, CaseState, OrderRating, SupportCase
from orders.portal_links import portal_path
from orders.selectors.cases import case_queue
from tests.orders.portal_fixtures import page_of, place_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def _write(client, order, message="Wo bleibt mein Paket?", topic="where"):
    return client.post(portal_path(order.pk) + "cases/", {"case-topic": topic, "case-message": message})


def test_a_customer_opens_a_case_the_agent_answers_and_the_customer_reads_the_answer(
    client, support_client, django_capture_on_commit_callbacks
):
    order = place_for()

    response = _write(client, order)

    assert response.status_code == 302
    case = SupportCase.objects.get()
    assert case.opened_by_customer and case.order == order and case.state == CaseState.OPEN
    assert case.subject.startswith("Wo ist mein Paket?") or case.subject.startswith("Where is my parcel?")
    assert list(case_queue()) == [case]
    first = case.messages.get()
    assert first.from_customer and first.author_label == "Erika Mustermann"
    assert "we have your message" in client.get(response["Location"]).content.decode()

    support_client.post(reverse("orders:support-case-reply", args=[case.pk]), {"body": "Es ist unterwegs."})

    reply_mail = CustomerMail.objects.get(kind="case_reply")
    assert reply_mail.to == order.email
    text = page_of(client, order)
    assert "Es ist unterwegs." in text and "Our answer" in text
    assert "Wo bleibt mein Paket?" in text


def test_the_reply_mail_has_the_answer_and_the_link_in_both_languages(support_client, client):
    from oms.mail import render_mail

    order = place_for()
    _write(client, order)
    case = SupportCase.objects.get()
    support_client.post(reverse("orders:support-case-reply", args=[case.pk]), {"body": "Morgen kommt es."})
    reply = CaseMessage.objects.filter(from_customer=False).get()
    for language in ("de", "en"):
        rendered = render_mail("case_reply", subject_id=str(reply.pk), language=language)
        assert "Morgen kommt es." in rendered.text and "Morgen kommt es." in rendered.html
        assert order.number in rendered.subject
        assert "/track/" in rendered.text and "/track/" in rendered.html


def test_replies_to_cases_staff_opened_are_not_mailed_nor_shown(client, support_client, support_user):
    from orders.services.cases import open_case, open_review_case

    order = place_for()
    staff_case = open_case(order=order, subject="Rückruf", message="Intern: Kunde anrufen", user=support_user)
    open_review_case(order=order, subject="Prüfen", message="Betrugsprüfung nötig")
    support_client.post(reverse("orders:support-case-reply", args=[staff_case.pk]), {"body": "Angerufen."})

    text = page_of(client, order)

    assert not CustomerMail.objects.filter(kind="case_reply").exists()
    assert "Intern: Kunde anrufen" not in text and "Angerufen." not in text and "Betrugsprüfung" not in text


def test_a_customer_answers_in_the_case_and_a_waiting_case_opens_again(client, support_client):
    order = place_for()
    _write(client, order)
    case = SupportCase.objects.get()
    support_client.post(reverse("orders:support-case-transition", args=[case.pk, "wait_for_customer"]))

    response = client.post(portal_path(order.pk) + f"cases/{case.pk}/", {"reply-body": "Danke, noch eine Frage."})

    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == CaseState.OPEN
    assert case.messages.filter(from_customer=True).count() == 2


def test_nobody_answers_in_another_customers_case(client):
    mine = place_for("erika@example.de")
    other = place_for("max@example.de", name="Max Muster")
    _write(client, other, message="Max fragt etwas")
    their_case = SupportCase.objects.get()

    response = client.post(portal_path(mine.pk) + f"cases/{their_case.pk}/", {"reply-body": "eingeschleust"})

    assert response.status_code == 404
    assert their_case.messages.count() == 1
    assert "Max fragt etwas" not in page_of(client, mine)


def test_script_in_a_message_is_shown_as_text_to_customer_and_agent(client, support_client):
    order = place_for()
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'

    _write(client, order, message=attack)

    case = SupportCase.objects.get()
    for page in (
        page_of(client, order),
        support_client.get(reverse("orders:support-case-detail", args=[case.pk])).content.decode(),
        support_client.get(reverse("orders:support-case-list")).content.decode(),
    ):
        assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert" in page_of(client, order)


def test_an_oversized_message_is_refused_with_a_clear_message_and_stores_nothing(client, settings):
    settings.PORTAL_MESSAGE_MAX_LENGTH = 500
    order = place_for()

    response = _write(client, order, message="x" * 501)

    assert response.status_code == 422
    assert "Your message is too long: please keep it to 500 characters (it has 501)." in response.content.decode()
    assert not SupportCase.objects.exists()


@pytest.mark.parametrize("message", ["", "   \n  ", "\x00"])
def test_an_empty_or_broken_message_is_refused(client, message):
    order = place_for()

    response = _write(client, order, message=message)

    assert response.status_code == 422
    assert not SupportCase.objects.exists()


def test_an_unknown_topic_is_refused(client):
    order = place_for()

    assert _write(client, order, topic="zz").status_code == 422
    assert not SupportCase.objects.exists()


def test_actions_per_order_are_limited(client, settings):
    settings.PORTAL_ACTIONS_PER_ORDER_HOUR = 2
    order = place_for()

    answers = [_write(client, order, message=f"Nachricht {n}").status_code for n in range(3)]

    assert answers == [302, 302, 429]
    assert SupportCase.objects.count() == 2


# --- rating -------------------------------------------------------------------------------------------


def _delivered_order():
    from fulfillment.services.tracking import record_tracking_event_by_hand
    from tests.fulfillment.shipping import shipped_shipment

    shipment = shipped_shipment()
    record_tracking_event_by_hand(
        shipment=shipment, state="delivered", occurred_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    shipment.order.refresh_from_db()
    return shipment.order


def test_a_customer_rates_a_delivered_order_once(client):
    order = _delivered_order()
    assert "Rate your order" in page_of(client, order)

    first = client.post(portal_path(order.pk) + "rating/", {"rating-stars": "4", "rating-comment": "<b>Gut</b>"})
    second = client.post(portal_path(order.pk) + "rating/", {"rating-stars": "1", "rating-comment": "Doch nicht"})

    assert first.status_code == 302
    rating = OrderRating.objects.get()
    assert (rating.order, rating.stars, rating.comment) == (order, 4, "<b>Gut</b>")
    assert second.status_code == 422
    assert "You have rated this order already" in second.content.decode()
    assert "You rated this order 4 out of 5" in page_of(client, order)


def test_an_order_not_yet_delivered_cannot_be_rated(client):
    order = place_for()
    assert "Rate your order" not in page_of(client, order)

    response = client.post(portal_path(order.pk) + "rating/", {"rating-stars": "5"})

    assert response.status_code == 422
    assert "once it has been delivered" in response.content.decode()
    assert not OrderRating.objects.exists()


@pytest.mark.parametrize("stars", ["0", "6", "-1", "drei", "", "1e3"])
def test_a_rating_outside_one_to_five_is_refused(client, stars):
    order = _delivered_order()

    assert client.post(portal_path(order.pk) + "rating/", {"rating-stars": stars}).status_code == 422
    assert not OrderRating.objects.exists()


# --- tracking on the order page --------------------------------------------------------------------


def test_the_page_shows_carrier_tracking_link_eta_and_the_timeline(client):
    from tests.fulfillment.shipping import shipped_shipment

    shipment = shipped_shipment()
    shipment.expected_delivery_date = datetime.date(2026, 12, 9)
    shipment.save()
    carrier = shipment.carrier_service.carrier

    text = page_of(client, shipment.order)

    assert carrier.name in text
    assert shipment.tracking_number in text
    assert carrier.tracking_url(shipment.tracking_number).replace("&", "&amp;") in text
    assert "Expected delivery" in text and "Wednesday, 9 Dec 2026" in text
    assert "Handed to the carrier" in text
    assert shipment.reference not in text  # the warehouse's reference is staff business
    assert shipment.warehouse.code not in text.split("<main")[1]


def test_out_for_delivery_and_a_customs_hold_are_told_in_plain_words(client):
    from fulfillment.services.tracking import record_tracking_event_by_hand
    from tests.fulfillment.shipping import shipped_shipment

    shipment = shipped_shipment()
    earlier = timezone.now() - datetime.timedelta(hours=3)
    record_tracking_event_by_hand(shipment=shipment, state="out_for_delivery", occurred_at=earlier)
    record_tracking_event_by_hand(
        shipment=shipment, state="exception", reason="customs", occurred_at=earlier + datetime.timedelta(hours=1)
    )

    text = page_of(client, shipment.order)

    assert "Your parcel is being checked by customs" in text
    assert 'aria-current="step"' in text
    steps = text.split('class="portal-steps"')[1].split("</ol>")[0]
    assert steps.count('class="done') >= 4  # received, shipped, out for delivery (+ packing)
