"""Documents: PDFs rendered once by WeasyPrint, stored under their SHA-256, served to staff only.

Apps register a kind of document (template, context builder, the roles that may read it) from
their ``AppConfig.ready()``::

    documents.register_kind(DocumentKind("invoice", _("Invoice"), "billing/documents/invoice.html",
                                         build=invoice_document, roles={Role.SUPPORT, Role.MANAGER}))

and ask for a document inside the service transaction that makes it necessary::

    request_document("invoice", subject=str(invoice.pk))

That writes the ``Document`` row (one per kind + subject + version) and an outbox message in the
caller's transaction; after commit a worker on the documents queue (``OUTBOX_QUEUES``) renders it.
Asking again for the same version returns the same row and renders nothing. Rendering is
idempotent too: a ready document is not rendered again, and bytes already stored under their
SHA-256 are not written twice. A reader who needs the bytes now (a mail attachment) calls
``render_document_now``, which renders only what is not ready yet; a document that must not be
kept at all (a customer's data export) is rendered by ``render_document_unstored``.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import Promise

from oms import outbox
from oms.models import Document, DocumentStatus, OutboxMessage
from oms.roles import has_role

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DocumentContent:
    """What a kind's builder returns for one subject: the template context, the language to
    render in, and the file name a reader downloads it as."""

    context: dict[str, Any]
    language: str
    filename: str


@dataclass(frozen=True)
class DocumentKind:
    code: str
    label: str | Promise
    template: str
    build: Callable[[str], DocumentContent]
    roles: Collection[str] = field(default_factory=frozenset)
    # For a kind that holds a customer's personal data (invoice, label, delivery note): whose, from
    # the subject. Its downloads are then recorded in the access log (``oms.access_log``).
    customer_of: Callable[[str], int | None] | None = None
    # For a kind the customer downloads from their order's portal page (invoice, credit note): the
    # order it belongs to, from the subject (``order_of``). Kinds without it are staff-only.
    order_of: Callable[[str], int | None] | None = None
    # A PDF/A variant to render in (WeasyPrint's ``pdf_variant``, e.g. "pdf/a-3b" for a Factur-X
    # invoice), and a step that completes the rendered bytes (``(subject, pdf) -> pdf``, e.g.
    # embedding the invoice's XML). Both run inside the render, so the stored file is the final one.
    pdf_variant: str | None = None
    finish: Callable[[str, bytes], bytes] | None = None


_kinds: dict[str, DocumentKind] = {}


class UnknownDocumentKindError(LookupError):
    pass


def register_kind(kind: DocumentKind) -> None:
    """Register a kind of document; call from ``AppConfig.ready()``. Re-registering replaces."""
    _kinds[kind.code] = kind


def get_kind(code: str) -> DocumentKind:
    try:
        return _kinds[code]
    except KeyError:
        raise UnknownDocumentKindError(f"No document kind {code!r} is registered") from None


def kinds() -> list[DocumentKind]:
    return sorted(_kinds.values(), key=lambda k: k.code)


def customer_of(document: Document) -> tuple[bool, int | None]:
    """Whether the document holds a customer's personal data, and whose (a customer id)."""
    kind = _kinds.get(document.kind)
    if kind is None or kind.customer_of is None:
        return False, None
    return True, kind.customer_of(document.subject)


def order_of(document: Document) -> int | None:
    """The order whose customer may download ``document`` in the portal (None: nobody outside)."""
    kind = _kinds.get(document.kind)
    if kind is None or kind.order_of is None:
        return None
    return kind.order_of(document.subject)


def may_read(user: Any, document: Document) -> bool:
    """True when ``user`` has one of the roles the document's kind allows (admins read all)."""
    kind = _kinds.get(document.kind)
    return kind is not None and has_role(user, *kind.roles)


def request_document(kind: str, *, subject: str, version: int = 1) -> Document:
    """The document ``kind`` about ``subject`` at ``version``, rendered by a worker after commit.

    Call inside the service transaction that needs the document: the row and its outbox message
    commit or roll back with it. The same request again returns the existing row.
    """
    get_kind(kind)
    document, created = Document.objects.get_or_create(kind=kind, subject=str(subject), version=version)
    if created:
        outbox.enqueue("document", {"document_id": document.pk})
    return document


def render_document_now(kind: str, *, subject: str, version: int = 1) -> Document:
    """The document, rendered in this process if it is not ready yet (for readers that need the
    bytes at once, such as a mail with the document attached)."""
    get_kind(kind)
    with transaction.atomic():
        document, _created = Document.objects.get_or_create(kind=kind, subject=str(subject), version=version)
    return render_document(document.pk)


def render_document_unstored(kind: str, *, subject: str) -> tuple[bytes, str]:
    """The PDF of ``kind`` about ``subject``, rendered in this process and stored nowhere, with
    the file name to download it as: for a document that should exist only in its reader's
    hands (a customer's data export, Art. 15 GDPR, would otherwise be one more stored copy of
    everything about the person, for the erasure to find)."""
    document_kind = get_kind(kind)
    content = document_kind.build(subject)
    pdf = _render_pdf(document_kind.template, content, pdf_variant=document_kind.pdf_variant)
    if document_kind.finish is not None:
        pdf = document_kind.finish(subject, pdf)
    return pdf, content.filename


def render_document(document_id: int) -> Document:
    """Render a document unless it is ready; store its PDF under its SHA-256. Returns the row.

    Locks the row while rendering, so two workers never render the same document at once; the
    second finds it ready. A failure is recorded on the row (attempts, last error) and raised,
    so the outbox retries with backoff.
    """
    error: Exception | None = None
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document_id)
        if document.status == DocumentStatus.READY:
            return document
        document.attempts += 1
        kind = get_kind(document.kind)
        try:
            # A savepoint: a database error in the builder leaves the row writable for the failure.
            with transaction.atomic():
                content = kind.build(document.subject)
                pdf = _render_pdf(kind.template, content, pdf_variant=kind.pdf_variant)
                if kind.finish is not None:
                    pdf = kind.finish(document.subject, pdf)
        except Exception as exc:
            error = exc
            document.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if document.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                document.status = DocumentStatus.FAILED
            document.save(update_fields=["attempts", "last_error", "status"])
        else:
            digest = hashlib.sha256(pdf).hexdigest()
            document.file.name = store_pdf(pdf, digest)
            document.sha256 = digest
            document.size = len(pdf)
            document.filename = content.filename
            document.status = DocumentStatus.READY
            document.rendered_at = timezone.now()
            document.last_error = ""
            document.save()
    if error is not None:
        logger.warning("Document %s (%s) failed to render: %s", document_id, document.kind, error)
        raise error
    return document


def _render_pdf(template: str, content: DocumentContent, *, pdf_variant: str | None = None) -> bytes:
    # Imported here, not at module level: WeasyPrint loads Pango and fonts (~1 s, ~60 MiB), which
    # only the processes that render need; web processes that only serve stored files never pay.
    from weasyprint import HTML

    with translation.override(content.language):
        html = render_to_string(template, {**content.context, "language": content.language})
    page = HTML(string=html, base_url=f"{settings.BASE_DIR}/", url_fetcher=_static_files_fetcher())
    return page.write_pdf(pdf_variant=pdf_variant) if pdf_variant else page.write_pdf()


def _static_files_fetcher() -> Any:
    """A WeasyPrint fetcher that reads our static files (style sheets, fonts, logos) and nothing
    else: no network, no file outside the project's ``static`` folder."""
    from weasyprint.urls import URLFetcher

    static = (Path(settings.BASE_DIR) / "static").resolve()

    class StaticFilesFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            path = Path(_url_path(url)).resolve() if url.startswith("file:") else None
            if path is None or not path.is_relative_to(static):
                raise ValueError(f"Documents may only use files from static/, not {url!r}")
            return super().fetch(url, headers)

    return StaticFilesFetcher(allowed_protocols={"file"}, fail_on_errors=True)


def _url_path(url: str) -> str:
    return unquote(urlparse(url).path)


def store_pdf(pdf: bytes, digest: str) -> str:
    """Write the bytes under their digest unless an intact copy is there; returns the name.

    A file left half-written by a killed worker has another digest, so it is replaced."""
    name = f"documents/{digest[:2]}/{digest}.pdf"
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as existing:
            if hashlib.sha256(existing.read()).hexdigest() == digest:
                return name
        default_storage.delete(name)
    saved = default_storage.save(name, ContentFile(pdf))
    if saved != name:
        # Another worker stored the same bytes in between: keep one copy.
        default_storage.delete(saved)
    return name


def read_document(document: Document) -> bytes:
    with default_storage.open(document.file.name, "rb") as stored:
        return stored.read()


def _deliver_document(message: OutboxMessage) -> None:
    render_document(message.payload["document_id"])


outbox.register_handler("document", _deliver_document)
