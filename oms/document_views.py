"""Serving stored documents to staff: the role the document's kind allows, never a public URL."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from oms import documents
from oms.access_log import record_customer_access
from oms.models import AccessAction, Document, DocumentStatus
from oms.roles import Role, role_required


@role_required(Role.WAREHOUSE, Role.SUPPORT, Role.MANAGER)
@require_GET
def document_file(request: HttpRequest, pk: int) -> FileResponse:
    """The PDF, shown in the browser. 404 for no such (or not yet rendered) document, 403 when the
    reader's role may not read its kind (a warehouse user and an invoice, say)."""
    document = Document.objects.filter(pk=pk, status=DocumentStatus.READY).first()
    if document is None:
        raise Http404
    if not documents.may_read(request.user, document):
        raise PermissionDenied
    personal, customer_id = documents.customer_of(document)
    if personal:
        record_customer_access(
            request,
            subject_type=f"document:{document.kind}",
            subject_id=document.subject,
            customer_id=customer_id,
            action=AccessAction.EXPORTED,
        )
    response = FileResponse(
        default_storage.open(document.file.name, "rb"),
        content_type="application/pdf",
        filename=document.filename or f"{document.kind}-{document.pk}.pdf",
    )
    response["Cache-Control"] = "private, no-store"
    response["ETag"] = f'"{document.sha256}"'
    return response
