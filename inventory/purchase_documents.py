"""What ``inventory`` contributes to the shared document and mail services: the purchase order as a
PDF for the supplier, and the mail that sends it. Registered from ``InventoryConfig.ready()``.

Builders read; they change nothing. Sending is ``inventory.services.purchasing.send_purchase_order``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from inventory.models import PurchaseOrder
from inventory.services.purchasing import PURCHASE_ORDER_DOCUMENT, PURCHASE_ORDER_MAIL
from oms import documents, mail
from oms.documents import DocumentContent, DocumentKind
from oms.mail import Attachment, MailContent, MailKind, SubjectType
from oms.models import CustomerMail, Document, DocumentStatus
from oms.roles import Role

SUBJECT_TYPE = "purchase_order"


def _purchase_order(pk: int) -> PurchaseOrder:
    return PurchaseOrder.objects.select_related("supplier", "warehouse").get(pk=pk)


def purchase_order_document(subject: str) -> DocumentContent:
    """Subject: the purchase order's id. Its lines with quantities and prices, where to deliver, by when."""
    po = _purchase_order(int(subject))
    lines = list(po.lines.select_related("product").order_by("pk"))
    for line in lines:
        line.amount = line.unit_cost * line.quantity_ordered if line.unit_cost is not None else None
    warehouse = po.warehouse
    city = f"{warehouse.postal_code} {warehouse.city}".strip()
    return DocumentContent(
        context={
            "po": po,
            "lines": lines,
            "total": sum((line.amount for line in lines if line.amount is not None), Decimal("0.00")),
            "priced": any(line.unit_cost is not None for line in lines),
            "units": sum(line.quantity_ordered for line in lines),
            "deliver_to": [line for line in (warehouse.name, warehouse.street, city, warehouse.country) if line],
        },
        language=settings.LANGUAGE_CODE,
        filename=f"{po.number}.pdf",
    )


def sent_document(po: PurchaseOrder) -> Document | None:
    """The PDF of the revision last sent to the supplier (the newest one requested), if any."""
    return Document.objects.filter(kind=PURCHASE_ORDER_DOCUMENT, subject=str(po.pk)).order_by("-version", "-pk").first()


def purchase_order_mail(subject_id: str, language: str) -> MailContent:
    """The supplier's mail: what we order, by when, with the PO as a PDF (the revision sent)."""
    po = _purchase_order(int(subject_id))
    document = sent_document(po)
    version = document.version if document else po.revision
    if document is None or document.status != DocumentStatus.READY:
        document = documents.render_document_now(PURCHASE_ORDER_DOCUMENT, subject=str(po.pk), version=version)
    return MailContent(
        context={"po": po, "lines": list(po.lines.select_related("product").order_by("pk"))},
        attachments=[Attachment(document.filename or f"{po.number}.pdf", documents.read_document(document))],
    )


def _sample() -> str | None:
    """The newest purchase order sent to its supplier: a preview then shows a PDF that exists
    (previewing an unsent one would store a PDF the supplier never got)."""
    pk = (
        PurchaseOrder.objects.filter(sent_at__isnull=False)
        .order_by("-sent_at", "-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return str(pk) if pk else None


def _staff_url(subject_id: str) -> str | None:
    number = PurchaseOrder.objects.filter(pk=int(subject_id)).values_list("number", flat=True).first()
    return reverse("inventory:purchase-order-detail", args=[number]) if number else None


def _on_sent(sent: CustomerMail) -> None:
    """A purchase order keeps no timeline; the mail list shows what went to the supplier."""


def register() -> None:
    mail.register_subject_type(SubjectType(SUBJECT_TYPE, on_sent=_on_sent, sample=_sample, staff_url=_staff_url))
    mail.register_kind(
        MailKind(
            PURCHASE_ORDER_MAIL,
            _("Purchase order to the supplier"),
            subject_type=SUBJECT_TYPE,
            template="inventory/mail/purchase_order",
            build=purchase_order_mail,
        )
    )
    documents.register_kind(
        DocumentKind(
            PURCHASE_ORDER_DOCUMENT,
            _("Purchase order"),
            template="inventory/documents/purchase_order.html",
            build=purchase_order_document,
            roles=frozenset({Role.MANAGER, Role.WAREHOUSE}),
        )
    )
