"""Documents: real WeasyPrint PDFs, requested in a transaction and rendered after commit, stored
once under their SHA-256 in MEDIA_ROOT, served to the roles their kind allows and nobody else."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import reverse

from oms import documents, outbox
from oms.models import Document, DocumentStatus, OutboxMessage, OutboxStatus
from orders.mails import LEGAL_TEXT
from orders.models import LegalText
from tests.logins import login_as
from tests.oms.mailfixtures import shop_with_legal_texts

pytestmark = pytest.mark.django_db


def _terms(language: str = "de") -> LegalText:
    return LegalText.objects.get(kind="terms", language=language)


def _stored_files() -> list[Path]:
    return sorted(p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file())


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_a_document_requested_in_a_transaction_is_rendered_after_commit_and_stored_under_its_sha256(
    django_capture_on_commit_callbacks,
):
    shop_with_legal_texts()
    terms = _terms()
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        document = documents.request_document(LEGAL_TEXT, subject=str(terms.pk), version=terms.version)
        again = documents.request_document(LEGAL_TEXT, subject=str(terms.pk), version=terms.version)
    assert again.pk == document.pk
    assert OutboxMessage.objects.filter(kind="document").count() == 1  # asked twice, rendered once
    assert document.status == DocumentStatus.PENDING and _stored_files() == []

    for callback in callbacks:  # the commit hands the outbox message to the documents queue
        callback()
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY
    [stored] = _stored_files()
    content = stored.read_bytes()
    assert content.startswith(b"%PDF-")
    assert document.sha256 == hashlib.sha256(content).hexdigest() == stored.stem
    assert document.size == len(content) and document.filename == "AGB.pdf"
    text = _pdf_text(stored)
    assert "Diese Bedingungen gelten für alle Bestellungen" in text
    assert "Seite 1 / 1" in text  # the page footer, in the text's language, with its font
    assert OutboxMessage.objects.get(kind="document").status == OutboxStatus.DELIVERED


def test_document_messages_go_to_the_documents_queue_and_mail_to_the_default_one():
    assert outbox.queue_for("document") == settings.DOCUMENTS_QUEUE == "documents"
    assert outbox.queue_for("customer_mail") is None  # the default queue, served by its own worker
    assert settings.CELERY_TASK_DEFAULT_QUEUE != settings.DOCUMENTS_QUEUE


def test_a_pdf_rendered_twice_is_stored_once_with_the_same_sha256():
    shop_with_legal_texts()
    terms = _terms()
    first = documents.render_document_now(LEGAL_TEXT, subject=str(terms.pk), version=terms.version)
    assert documents.render_document_now(LEGAL_TEXT, subject=str(terms.pk), version=terms.version).pk == first.pk

    # A worker that rendered but died before its commit: the row is pending again, the file is there.
    Document.objects.filter(pk=first.pk).update(status=DocumentStatus.PENDING)
    second = documents.render_document(first.pk)

    assert second.sha256 == first.sha256
    assert second.file.name == first.file.name
    assert len(_stored_files()) == 1
    assert Document.objects.count() == 1


def test_a_half_written_file_left_by_a_killed_worker_is_replaced():
    shop_with_legal_texts()
    terms = _terms()
    document = documents.render_document_now(LEGAL_TEXT, subject=str(terms.pk), version=terms.version)
    stored = Path(settings.MEDIA_ROOT) / document.file.name
    stored.write_bytes(stored.read_bytes()[:200])  # cut off mid-write
    Document.objects.filter(pk=document.pk).update(status=DocumentStatus.PENDING)

    documents.render_document(document.pk)
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == document.sha256


def test_a_new_version_is_a_new_document_and_the_old_one_stays():
    shop_with_legal_texts()
    terms = _terms()
    old = documents.render_document_now(LEGAL_TEXT, subject=str(terms.pk), version=1)
    LegalText.objects.filter(pk=terms.pk).update(body="§ 1 Neu gefasst.", version=2)
    new = documents.render_document_now(LEGAL_TEXT, subject=str(terms.pk), version=2)
    assert new.pk != old.pk and new.sha256 != old.sha256
    assert len(_stored_files()) == 2
    assert "Neu gefasst" in _pdf_text(Path(settings.MEDIA_ROOT) / new.file.name)


def test_a_document_that_cannot_be_rendered_keeps_its_error_and_is_retried_by_the_outbox(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        document = documents.request_document(LEGAL_TEXT, subject="987654321")  # no such legal text
    document.refresh_from_db()
    message = OutboxMessage.objects.get(kind="document")
    assert document.status == DocumentStatus.PENDING and document.attempts == 1
    assert "DoesNotExist" in document.last_error
    assert message.status == OutboxStatus.PENDING and message.attempts == 1
    assert _stored_files() == []


def test_unknown_document_kinds_are_refused():
    with pytest.raises(documents.UnknownDocumentKindError):
        documents.request_document("no-such-kind", subject="1")


# -- serving ---------------------------------------------------------------------------------------


@pytest.fixture
def rendered():
    shop_with_legal_texts()
    terms = _terms()
    return documents.render_document_now(LEGAL_TEXT, subject=str(terms.pk), version=terms.version)


def test_support_and_managers_read_a_legal_text_pdf(rendered, support_client, manager_user):
    url = reverse("document-file", args=[rendered.pk])
    response = support_client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert {"private", "no-store"} <= {part.strip() for part in response["Cache-Control"].split(",")}
    assert 'filename="AGB.pdf"' in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == rendered.sha256
    manager = Client()
    login_as(manager, manager_user)
    assert manager.get(url).status_code == 200


def test_a_role_the_kind_does_not_allow_gets_403_and_anonymous_visitors_the_login_page(rendered, warehouse_client):
    url = reverse("document-file", args=[rendered.pk])
    assert warehouse_client.get(url).status_code == 403
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse(settings.LOGIN_URL))


def test_a_missing_or_unfinished_document_is_404(rendered, support_client):
    assert support_client.get(reverse("document-file", args=[987654321])).status_code == 404
    Document.objects.filter(pk=rendered.pk).update(status=DocumentStatus.PENDING)
    assert support_client.get(reverse("document-file", args=[rendered.pk])).status_code == 404


def test_stored_documents_have_no_public_url(rendered, client):
    assert client.get(f"/{settings.MEDIA_URL}{rendered.file.name}").status_code == 404
