"""Customer notifications: payment received, refund issued, out for delivery, a delay or problem,
delivered with a feedback request, return approved and received. Each is written in the
transaction of the change it tells of (gone with it on rollback), once per occurrence however often
the event is reported, in the customer's language with the signed portal link and the imprint."""

from __future__ import annotations

import datetime
import threading
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail as django_mail
from django.db import connection, transaction

from fulfillment.models import ExceptionReason, ShipmentState
from fulfillment.services.tracking import record_tracking_event_by_hand
from oms import events, mail, outbox
from oms.models import CustomerMail, OutboxMessage
from orders.models import TransactionKind
from orders.portal_links import read_token
from orders.services.payments import record_payment
from returns.models import ReturnReason
from returns.services.requests import create_return
from tests.billing.flows import place, ship
from tests.reliability import ordering

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
MONDAY = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=BERLIN)

NOTIFICATIONS = [
    "payment_received",
    "refund_issued",
    "shipment_out_for_delivery",
    "shipment_problem",
    "order_delivered",
    "return_approved",
    "return_received",
]


def _mails(kind: str) -> list[CustomerMail]:
    return list(CustomerMail.objects.filter(kind=kind).order_by("pk"))


def _set_language(order, language: str) -> None:
    order.customer.language = language
    order.customer.save(update_fields=["language"])


def _token(url: str) -> str:
    return url.rstrip("/").rsplit("/", 1)[-1]


def _portal_links(body: str) -> list[str]:
    return [word.strip("<>\"'") for word in body.split() if "/track/" in word]


def _prepaid(sku: str = "BEANS"):
    """An order waiting for its bank transfer (pending): 12.50 and 4.90 shipping."""
    from orders.services.intake import place_order

    ordering.make_product(sku, units=5, price="12.50")
    draft = ordering.order_draft({sku: 1}, payment_method="prepayment", price="12.50")
    return place_order(channel=ordering.make_channel("web"), draft=draft).order


def _on_its_way(language: str = "de"):
    with time_machine.travel(MONDAY - datetime.timedelta(days=1), tick=False):
        order = place({"MUG": (2, "12.50")})
        _set_language(order, language)
        shipment = ship(order, {"MUG": 2})
    return order, shipment


def _report(shipment, state: str, *, at: datetime.datetime, reason: str = "") -> None:
    with time_machine.travel(at, tick=False):
        record_tracking_event_by_hand(shipment=shipment, state=state, occurred_at=at, reason=reason)


def test_a_prepaid_order_tells_the_customer_once_that_the_money_arrived():
    order = _prepaid()
    assert _mails("payment_received") == []

    record_payment(
        order=order, kind=TransactionKind.CAPTURE, amount=order.total, provider="bank", provider_reference="T-1"
    )
    # The bank statement is imported twice: the payment is recorded once, and so is its mail.
    record_payment(
        order=order, kind=TransactionKind.CAPTURE, amount=order.total, provider="bank", provider_reference="T-1"
    )

    [sent] = _mails("payment_received")
    assert (sent.to, sent.language) == (order.email, "de")
    rendered = mail.render_mail(sent.kind, subject_id=sent.subject_id, language="de")
    assert rendered.subject == f"Zahlung für Ihre Bestellung {order.number} eingegangen"
    assert "Zahlung über 17,40\xa0€" in rendered.text


def test_no_payment_mail_for_an_order_that_came_in_paid_nor_for_a_part_payment():
    paid = place({"MUG": (1, "12.50")}, payment_method="card")  # captured at intake
    part = _prepaid("TEA")
    record_payment(order=part, kind=TransactionKind.CAPTURE, amount=Decimal("5.00"), provider="bank")

    assert paid.payment_state == "paid"
    assert _mails("payment_received") == []


def test_each_refund_is_mailed_with_its_amount():
    order = place({"MUG": (2, "12.50")}, payment_method="card")
    _set_language(order, "en")
    first = record_payment(order=order, kind=TransactionKind.REFUND, amount=Decimal("12.50"), provider="card")
    record_payment(order=order, kind=TransactionKind.REFUND, amount=Decimal("4.90"), provider="card")

    mails = _mails("refund_issued")
    assert len(mails) == 2 and mails[0].subject_id == str(first.pk)
    rendered = mail.render_mail("refund_issued", subject_id=mails[0].subject_id, language="en")
    assert rendered.subject == f"Refund for your order {order.number}"
    assert "we have refunded 12.50\xa0€ for your order" in rendered.text


def test_the_carriers_news_reaches_the_customer_once_each():
    order, shipment = _on_its_way()

    _report(shipment, ShipmentState.IN_TRANSIT, at=MONDAY)
    _report(shipment, ShipmentState.EXCEPTION, at=MONDAY + datetime.timedelta(hours=2), reason=ExceptionReason.CUSTOMS)
    # Customs scanned again the next morning: the customer already knows.
    _report(shipment, ShipmentState.EXCEPTION, at=MONDAY + datetime.timedelta(days=1), reason=ExceptionReason.CUSTOMS)
    _report(shipment, ShipmentState.EXCEPTION, at=MONDAY + datetime.timedelta(days=2), reason=ExceptionReason.DELAY)
    _report(shipment, ShipmentState.OUT_FOR_DELIVERY, at=MONDAY + datetime.timedelta(days=3))
    _report(shipment, ShipmentState.DELIVERED, at=MONDAY + datetime.timedelta(days=3, hours=5))

    problems = _mails("shipment_problem")
    assert len(problems) == 2
    assert len(_mails("shipment_out_for_delivery")) == 1
    [delivered] = _mails("order_delivered")
    assert delivered.subject_id == str(order.pk)

    customs = mail.render_mail("shipment_problem", subject_id=problems[0].subject_id, language="de")
    # Rendered after the parcel arrived (a mail held up by an outage), it still tells what was reported.
    assert "vom Zoll geprüft" in customs.text
    with time_machine.travel(MONDAY + datetime.timedelta(days=3, hours=6), tick=False):
        thanks = mail.render_mail("order_delivered", subject_id=delivered.subject_id, language="de")
    assert thanks.subject == f"Ihre Bestellung {order.number} wurde zugestellt"
    assert "Bewerten Sie Ihre Bestellung" in thanks.text
    link, *_same = _portal_links(thanks.text)  # "Rate your order" and "Follow your order online"
    with time_machine.travel(MONDAY + datetime.timedelta(days=3, hours=6), tick=False):
        assert read_token(_token(link)).order_id == order.pk


def test_a_delay_says_so_in_the_subject_and_what_happens_next_in_the_body():
    order, shipment = _on_its_way(language="en")
    _report(shipment, ShipmentState.IN_TRANSIT, at=MONDAY)
    _report(shipment, ShipmentState.EXCEPTION, at=MONDAY + datetime.timedelta(hours=3), reason=ExceptionReason.DELAY)

    [delay] = _mails("shipment_problem")
    assert delay.language == "en"
    rendered = mail.render_mail("shipment_problem", subject_id=delay.subject_id, language="en")
    assert rendered.subject == f"Your order {order.number} is delayed"
    assert "It is still on its way to you." in rendered.text
    assert shipment.tracking_number in rendered.text and shipment.tracking_number in rendered.html


def test_a_tracking_update_that_rolls_back_mails_nothing():
    _order, shipment = _on_its_way()
    with pytest.raises(RuntimeError), transaction.atomic():
        _report(shipment, ShipmentState.OUT_FOR_DELIVERY, at=MONDAY)
        assert len(_mails("shipment_out_for_delivery")) == 1  # written with the change ...
        raise RuntimeError("the request failed after the update")
    assert _mails("shipment_out_for_delivery") == []  # ... and gone with it


def test_a_return_approved_at_once_tells_what_to_send_where_and_its_arrival_is_mailed_too(settings):
    settings.RETURNS_ADDRESS = "Beispiel Handel GmbH|Retourenlager|Am Lager 3|12529 Schönefeld"
    order, shipment = _on_its_way()
    _report(shipment, ShipmentState.DELIVERED, at=MONDAY)
    with time_machine.travel(MONDAY + datetime.timedelta(days=2), tick=False):
        request = create_return(
            order, {order.lines.get().pk: 1}, ReturnReason.DOES_NOT_FIT, by=None, actor_label="portal"
        )

    # The mail waits for the return label, booked by a worker after commit; then it carries it.
    assert _mails("return_approved") == []
    for message in OutboxMessage.objects.filter(kind="return-label"):
        outbox.deliver(message.pk)
    [approved] = _mails("return_approved")
    rendered = mail.render_mail("return_approved", subject_id=approved.subject_id, language="de")
    [label] = rendered.attachments
    assert label.filename == f"return-label-{request.number}.pdf" and label.content.startswith(b"%PDF-")
    assert rendered.subject == f"Ihre Rücksendung {request.number} ist genehmigt"
    assert f"Rücksendenummer {request.number}" in rendered.text
    assert "Am Lager 3\n12529 Schönefeld" in rendered.text
    assert "1 \u00d7 " in rendered.text  # one unit (a multiplication sign)

    # Receiving returns publishes return.received inside its transaction; the mail goes with it, once.
    for _twice in range(2):
        with transaction.atomic():
            events.publish("return.received", {"return_id": request.pk, "order_id": order.pk})
    [received] = _mails("return_received")
    assert (
        "ist bei uns angekommen"
        in mail.render_mail("return_received", subject_id=received.subject_id, language="de").text
    )


def test_every_notification_renders_in_german_and_english_with_portal_link_and_imprint(settings):
    settings.MAIL_FOOTER = ""  # built from the seller's data
    settings.RETURNS_ADDRESS = ""
    order, shipment = _on_its_way()
    _report(shipment, ShipmentState.EXCEPTION, at=MONDAY, reason=ExceptionReason.ADDRESS)
    _report(shipment, ShipmentState.OUT_FOR_DELIVERY, at=MONDAY + datetime.timedelta(days=1))
    _report(shipment, ShipmentState.DELIVERED, at=MONDAY + datetime.timedelta(days=1, hours=3))
    record_payment(order=order, kind=TransactionKind.CAPTURE, amount=order.total, provider="bank")
    record_payment(order=order, kind=TransactionKind.REFUND, amount=Decimal("1.00"), provider="bank")
    with time_machine.travel(MONDAY + datetime.timedelta(days=2), tick=False):
        request = create_return(order, {order.lines.get().pk: 1}, ReturnReason.DAMAGED, by=None, actor_label="portal")
    for message in OutboxMessage.objects.filter(kind="return-label"):
        outbox.deliver(message.pk)  # the return label is booked: the return-approved mail is written
    with transaction.atomic():
        events.publish("return.received", {"return_id": request.pk, "order_id": order.pk})

    subjects = {}
    for kind in NOTIFICATIONS:
        [queued] = _mails(kind)
        for language in ("de", "en"):
            rendered = mail.render_mail(kind, subject_id=queued.subject_id, language=language)
            subjects[kind, language] = rendered.subject
            assert order.number in rendered.subject or request.number in rendered.subject
            assert ("Hallo" if language == "de" else "Hello") in rendered.text
            assert f'<html lang="{language}">' in rendered.html
            assert _portal_links(rendered.text), (kind, language)
            assert "/track/" in rendered.html
            # The imprint: company, register court, managing directors (in the mail's language).
            for part in ("Beispiel Handel GmbH", "HRB 123456"):
                assert part in rendered.text and part in rendered.html
            assert ("Geschäftsführung" if language == "de" else "Managing directors") in rendered.text
            assert "{%" not in rendered.text + rendered.html and "%(" not in rendered.text + rendered.html
        assert subjects[kind, "de"] != subjects[kind, "en"]


def test_a_channel_sends_with_its_own_sender_reply_to_and_footer(settings, django_capture_on_commit_callbacks):
    settings.MAIL_SENDERS = {
        "web": {
            "from": "Kaffeehaus <service@kaffeehaus.example>",
            "reply_to": "hilfe@kaffeehaus.example",
            "footer": "Kaffeehaus Jörg GmbH|Amtsgericht Köln HRB 999",
        }
    }
    _order, shipment = _on_its_way()
    with django_capture_on_commit_callbacks(execute=True):
        _report(shipment, ShipmentState.OUT_FOR_DELIVERY, at=MONDAY)

    [sent] = [m for m in django_mail.outbox if "heute" in m.subject]
    assert sent.from_email == "Kaffeehaus <service@kaffeehaus.example>"
    assert sent.reply_to == ["hilfe@kaffeehaus.example"]
    assert "Kaffeehaus Jörg GmbH\nAmtsgericht Köln HRB 999" in sent.body
    assert "Beispiel Handel GmbH" not in sent.body
    assert CustomerMail.objects.get(kind="shipment_out_for_delivery").status == "sent"


@pytest.mark.django_db(transaction=True)
def test_two_transactions_telling_the_same_news_at_once_enqueue_one_mail():
    order = place({"MUG": (1, "12.50")})
    barrier = threading.Barrier(2)
    results = []

    def tell() -> None:
        try:
            with transaction.atomic():
                barrier.wait(timeout=10)
                results.append(
                    mail.enqueue_mail(
                        "order_delivered", subject_id=str(order.pk), to=order.email, language="de", once_key="same-news"
                    )
                )
        finally:
            connection.close()

    threads = [threading.Thread(target=tell) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert sorted(r is None for r in results) == [False, True]
    assert CustomerMail.objects.filter(once_key="same-news").count() == 1
