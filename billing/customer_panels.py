"""The panel ``billing`` shows customers on their order's portal page (``oms.panels`` customer slot
``"customer-order"``): the order's invoices and credit notes, each to download as a PDF once it is
rendered (``orders:portal-document``, which opens only a document of the link's own order).
Registered from ``BillingConfig.ready()``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from billing.selectors import order_billing_documents
from oms import panels
from oms.models import DocumentStatus


def order_documents(*, order: Any, request: Any) -> dict[str, Any] | None:
    match = getattr(request, "resolver_match", None)
    token = match.kwargs.get("token") if match is not None else None
    found = order_billing_documents(order_id=order.pk)
    labelled = [(doc, _("Invoice %(number)s")) for doc in found["invoices"]]
    labelled += [(doc, _("Credit note %(number)s")) for doc in found["credit_notes"]]
    ready = [
        {
            "label": label % {"number": doc.number},
            "document_id": doc.document_id,
            "issued_at": doc.issued_at,
            "total": doc.total,
            "currency": doc.currency,
        }
        for doc, label in labelled
        if doc.document_id and doc.document.status == DocumentStatus.READY
    ]
    if not token or not ready:
        return None
    return {"token": token, "documents": sorted(ready, key=lambda d: d["issued_at"])}


def register() -> None:
    panels.register_customer(
        "customer-order",
        name="documents",
        template="billing/customer/order_documents.html",
        context=order_documents,
        order=40,
    )
