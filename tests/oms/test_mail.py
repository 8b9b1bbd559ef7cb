"""Customer mail: the order confirmation in the customer's language with the channel's legal texts
attached, sent through the outbox after commit, on the order's timeline, retried and visible when
the mail server refuses, sent again by staff, previewed with a sample order."""

from __future__ import annotations

import subprocess
from datetime import timedelta

import pytest
from django.core import mail as django_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from oms import mail, outbox
from oms.models import CustomerMail, MailStatus, OutboxMessage, OutboxStatus
from orders.models import EventKind, OrderEvent
from orders.services.intake import place_order
from tests.oms.mailfixtures import order_draft, shop_with_legal_texts
from tests.orders.factories import ChannelFactory

pytestmark = pytest.mark.django_db

REFUSING_SMTP = "django.core.mail.backends.smtp.EmailBackend"


def _place(channel, django_capture_on_commit_callbacks, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return place_order(channel=channel, draft=order_draft(**kwargs)).order


def _pdf_text(content: bytes, tmp_path) -> str:
    path = tmp_path / "attachment.pdf"
    path.write_bytes(content)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_a_placed_order_gets_its_confirmation_in_german_with_terms_and_withdrawal_attached(
    django_capture_on_commit_callbacks, tmp_path
):
    channel = shop_with_legal_texts()
    order = _place(channel, django_capture_on_commit_callbacks, language="de")

    [sent] = django_mail.outbox
    assert sent.to == ["joerg@example.de"]
    assert sent.subject == f"Ihre Bestellung {order.number} bei Kaffeehaus Jörg"
    assert "Hallo Erika Mustermann," in sent.body
    assert "2 \u00d7 Espressobohnen 1 kg (KAFFEE-1): 49,80\xa0€" in sent.body  # a multiplication sign
    assert "Lieferadresse" in sent.body
    [(html, mimetype)] = sent.alternatives
    assert mimetype == "text/html" and '<html lang="de">' in html and "Espressobohnen 1 kg" in html
    # The terms and the withdrawal instructions go along as PDFs (the privacy notice does not).
    names = [name for name, _content, _type in sent.attachments]
    assert names == ["AGB.pdf", "Widerrufsbelehrung.pdf"]
    terms_pdf = sent.attachments[0][1]
    assert terms_pdf.startswith(b"%PDF-")
    assert "Diese Bedingungen gelten für alle Bestellungen" in _pdf_text(terms_pdf, tmp_path)
    assert "vierzehn Tagen" in _pdf_text(sent.attachments[1][1], tmp_path)

    record = CustomerMail.objects.get()
    assert (record.status, record.attempts, record.language) == (MailStatus.SENT, 1, "de")
    assert record.subject_line == sent.subject and record.body_text == sent.body
    assert [a["filename"] for a in record.attachments] == names
    assert sent.extra_headers["X-OMS-Idempotency-Key"] == str(OutboxMessage.objects.get(kind="customer_mail").key)
    # And the order's timeline says so.
    event = OrderEvent.objects.get(order=order, kind=EventKind.MAIL)
    assert event.data["mail_id"] == record.pk
    assert "joerg@example.de" in event.message


def test_an_english_customer_gets_the_mail_in_english_and_the_german_withdrawal_text_where_no_english_one_exists(
    django_capture_on_commit_callbacks, tmp_path
):
    channel = shop_with_legal_texts(english=True)
    order = _place(channel, django_capture_on_commit_callbacks, language="en", email="jane@example.com")

    [sent] = django_mail.outbox
    assert sent.subject == f"Your order {order.number} at Kaffeehaus Jörg"
    assert "Hello Erika Mustermann," in sent.body and "Delivery address" in sent.body
    assert "49.80\xa0€" in sent.body
    assert '<html lang="en">' in sent.alternatives[0][0]
    terms, withdrawal = sent.attachments
    assert terms[0] == "Terms and conditions.pdf"
    assert "These terms apply to every order" in _pdf_text(terms[1], tmp_path)
    assert withdrawal[0] == "Widerrufsbelehrung.pdf"  # the binding German text beats none


def test_a_channel_without_legal_texts_sends_the_confirmation_without_attachments(django_capture_on_commit_callbacks):
    _place(ChannelFactory(code="plain", name="Plain"), django_capture_on_commit_callbacks)
    [sent] = django_mail.outbox
    assert sent.attachments == []


def test_a_channel_whose_shop_sends_its_own_confirmation_gets_none_from_us(django_capture_on_commit_callbacks):
    channel = ChannelFactory(code="shopify-de", name="Shopify DE", shop_sent_mails=["order_confirmation"])
    order = _place(channel, django_capture_on_commit_callbacks)
    assert order.pk
    assert django_mail.outbox == []
    assert CustomerMail.objects.count() == 0
    assert OutboxMessage.objects.filter(kind="customer_mail").count() == 0


def test_the_mail_is_recorded_with_the_order_and_never_sent_for_an_order_that_rolled_back(
    django_capture_on_commit_callbacks,
):
    channel = ChannelFactory(code="web", name="Web")
    draft = order_draft()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        place_order(channel=channel, draft=draft)
        raise RuntimeError("the surrounding work failed")
    assert callbacks == []
    assert CustomerMail.objects.count() == 0 and OutboxMessage.objects.count() == 0
    assert django_mail.outbox == []


def test_a_mail_the_server_refuses_is_retried_visible_to_staff_and_sent_once_the_server_is_back(
    django_capture_on_commit_callbacks, settings, support_client
):
    # A real SMTP connection to a port nobody listens on: the mail server is down.
    settings.EMAIL_BACKEND = REFUSING_SMTP
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    order = _place(ChannelFactory(code="web", name="Web"), django_capture_on_commit_callbacks)

    record = CustomerMail.objects.get()
    message = OutboxMessage.objects.get(kind="customer_mail")
    assert record.status == MailStatus.PENDING and record.is_retrying
    assert record.attempts == 1 and "ConnectionRefusedError" in record.last_error
    assert message.status == OutboxStatus.PENDING and message.next_attempt_at > timezone.now()
    assert not OrderEvent.objects.filter(order=order, kind=EventKind.MAIL).exists()

    page = support_client.get(reverse("support-mail-list"), {"status": "failing"}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Retrying" in page.content.decode() and "ConnectionRefusedError" in page.content.decode()
    detail = support_client.get(reverse("support-mail-detail", args=[record.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "ConnectionRefusedError" in detail.content.decode()

    # The server is back; the sweep finds the message due and sends it.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.OUTBOX_SWEEP_GRACE_SECONDS = 0
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert outbox.sweep() == 1
    record.refresh_from_db()
    assert (record.status, record.attempts, record.last_error) == (MailStatus.SENT, 2, "")
    assert len(django_mail.outbox) == 1
    assert OrderEvent.objects.filter(order=order, kind=EventKind.MAIL).count() == 1


def test_a_mail_that_keeps_failing_ends_failed_and_staff_send_it_again(
    django_capture_on_commit_callbacks, settings, support_client
):
    settings.EMAIL_BACKEND = REFUSING_SMTP
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    settings.OUTBOX_MAX_ATTEMPTS = 2
    order = _place(ChannelFactory(code="web", name="Web"), django_capture_on_commit_callbacks)
    message = OutboxMessage.objects.get(kind="customer_mail")
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    outbox.deliver(message.pk)

    record = CustomerMail.objects.get()
    assert (record.status, record.attempts) == (MailStatus.FAILED, 2)
    page = support_client.get(reverse("support-mail-list"), {"status": "failed"}, HTTP_ACCEPT_LANGUAGE="en")
    assert f"#{record.pk}" in page.content.decode()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        response = support_client.post(reverse("support-mail-resend", args=[record.pk]))
    again = CustomerMail.objects.exclude(pk=record.pk).get()
    assert response.status_code == 302 and response["Location"] == reverse("support-mail-detail", args=[again.pk])
    assert (again.status, again.resend_of_id, again.requested_by) == (MailStatus.SENT, record.pk, "user:agent")
    assert [m.to for m in django_mail.outbox] == [["joerg@example.de"]]
    event = OrderEvent.objects.get(order=order, kind=EventKind.MAIL)
    assert "sent again" in event.data["text"]["source"]


def test_staff_send_a_sent_mail_again_but_not_one_still_on_its_way(
    django_capture_on_commit_callbacks, support_client, settings
):
    order = _place(ChannelFactory(code="web", name="Web"), django_capture_on_commit_callbacks)
    first = CustomerMail.objects.get()
    with django_capture_on_commit_callbacks(execute=False):
        again = mail.resend_mail(first, requested_by="user:support")  # queued, not yet sent
    response = support_client.post(reverse("support-mail-resend", args=[again.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    page = support_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    assert "still on its way" in page.content.decode()
    assert CustomerMail.objects.filter(subject_id=str(order.pk)).count() == 2


def test_staff_preview_every_kind_of_mail_in_both_languages_with_the_newest_order(
    django_capture_on_commit_callbacks, support_client
):
    channel = shop_with_legal_texts()
    order = _place(channel, django_capture_on_commit_callbacks)
    sent_before = len(django_mail.outbox)
    url = reverse("support-mail-preview")

    german = support_client.get(url, {"kind": "order_confirmation", "language": "de"})
    english = support_client.get(url, {"kind": "order_confirmation", "language": "en"})
    assert german.status_code == english.status_code == 200
    assert f"Ihre Bestellung {order.number} bei Kaffeehaus Jörg" in german.content.decode()
    assert f"Your order {order.number} at Kaffeehaus Jörg" in english.content.decode()
    assert "Terms and conditions.pdf" in english.content.decode()
    frame = support_client.get(reverse("support-mail-preview-html"), {"kind": "order_confirmation", "language": "en"})
    assert frame.status_code == 200
    policy = frame["Content-Security-Policy"]
    assert policy.startswith("sandbox;") and "default-src 'none'" in policy and "frame-ancestors 'self'" in policy
    assert "Delivery address" in frame.content.decode()
    # A preview sends nothing and records nothing.
    assert len(django_mail.outbox) == sent_before and CustomerMail.objects.count() == 1
    assert support_client.get(url, {"kind": "no-such-mail"}).status_code == 404


def test_the_preview_says_so_when_there_is_no_order_yet(support_client):
    page = support_client.get(reverse("support-mail-preview"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "There is no order to preview the mail with yet." in page.content.decode()


def test_a_sent_mail_shows_what_went_out(django_capture_on_commit_callbacks, support_client):
    _place(shop_with_legal_texts(), django_capture_on_commit_callbacks)
    record = CustomerMail.objects.get()
    page = support_client.get(reverse("support-mail-detail", args=[record.pk]), HTTP_ACCEPT_LANGUAGE="en")
    body = page.content.decode()
    assert record.subject_line in body and "Widerrufsbelehrung.pdf" in body
    html = support_client.get(reverse("support-mail-html", args=[record.pk]))
    assert html.status_code == 200 and html.content.decode() == record.body_html


def test_mail_pages_are_for_support_only(warehouse_client):
    assert warehouse_client.get(reverse("support-mail-list")).status_code == 403
    assert warehouse_client.get(reverse("support-mail-preview")).status_code == 403


def test_the_order_page_lists_its_mails_with_a_link_to_send_one_again(
    django_capture_on_commit_callbacks, support_client
):
    order = _place(ChannelFactory(code="web", name="Web"), django_capture_on_commit_callbacks)
    record = CustomerMail.objects.get()
    page = support_client.get(reverse("orders:support-order-detail", args=[order.number]), HTTP_ACCEPT_LANGUAGE="en")
    body = page.content.decode()
    assert "Customer mails" in body and "Order confirmation" in body
    assert reverse("support-mail-detail", args=[record.pk]) in body
