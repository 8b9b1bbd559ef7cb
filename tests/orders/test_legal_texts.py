"""Legal texts in the admin: saving one renders its PDF on the documents queue; a change is a new
version (a new PDF), and the mails sent before keep the one they had."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from oms.models import Document, DocumentStatus
from orders.mails import LEGAL_TEXT
from orders.models import LegalText
from tests.orders.factories import ChannelFactory

pytestmark = pytest.mark.django_db


def _form(channel, **overrides):
    return {
        "channel": channel.pk,
        "kind": "terms",
        "language": "de",
        "title": "AGB",
        "body": "§ 1 Geltungsbereich\n\nFür alle Bestellungen.",
        **overrides,
    }


def test_saving_a_legal_text_renders_its_pdf_and_a_change_is_a_new_version(
    admin_client_, django_capture_on_commit_callbacks
):
    channel = ChannelFactory(code="web", name="Web")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client_.post(reverse("admin:orders_legaltext_add"), _form(channel))
    assert response.status_code == 302, response.content.decode()[:2000]
    legal_text = LegalText.objects.get()
    first = Document.objects.get(kind=LEGAL_TEXT, subject=str(legal_text.pk))
    assert (legal_text.version, first.version, first.status) == (1, 1, DocumentStatus.READY)

    url = reverse("admin:orders_legaltext_change", args=[legal_text.pk])
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_.post(url, _form(channel, body="§ 1 Neu gefasst."))
    legal_text.refresh_from_db()
    assert legal_text.version == 2
    second = Document.objects.get(kind=LEGAL_TEXT, subject=str(legal_text.pk), version=2)
    assert second.status == DocumentStatus.READY and second.sha256 != first.sha256
    assert Document.objects.filter(pk=first.pk, status=DocumentStatus.READY).exists()  # kept for old mails

    # Saving without a change is no new version.
    with django_capture_on_commit_callbacks(execute=True):
        admin_client_.post(url, _form(channel, body="§ 1 Neu gefasst."))
    legal_text.refresh_from_db()
    assert legal_text.version == 2 and Document.objects.count() == 2


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"body": ""}, "Give the text or upload a PDF file."),
        ({"file": SimpleUploadedFile("agb.pdf", b"<html>not a pdf</html>")}, "This file is not a PDF."),
        ({"file": SimpleUploadedFile("agb.docx", b"%PDF-1.7 ...")}, "Upload a PDF file."),
    ],
)
def test_a_legal_text_needs_a_text_or_a_real_pdf(admin_client_, fields, message):
    channel = ChannelFactory(code="web", name="Web")
    response = admin_client_.post(
        reverse("admin:orders_legaltext_add"), _form(channel, **fields), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert LegalText.objects.count() == 0 and Document.objects.count() == 0


def test_an_uploaded_pdf_is_attached_as_it_is(django_capture_on_commit_callbacks):
    from django.core import mail as django_mail

    from orders.services.intake import place_order
    from tests.oms.mailfixtures import order_draft

    channel = ChannelFactory(code="web", name="Web")
    pdf = b"%PDF-1.4\n% the lawyer's file\n%%EOF\n"
    LegalText.objects.create(
        channel=channel, kind="withdrawal", language="de", title="Widerruf", file=SimpleUploadedFile("w.pdf", pdf)
    )
    with django_capture_on_commit_callbacks(execute=True):
        place_order(channel=channel, draft=order_draft())
    [sent] = django_mail.outbox
    assert sent.attachments == [("Widerruf.pdf", pdf, "application/pdf")]
    assert Document.objects.count() == 0  # nothing to render
