"""The readable form of a customer's data export (Art. 15 GDPR): the sections of
``oms.privacy.export_customer_data`` as rows a person reads, for the support page and as a PDF
rendered by the document service (``oms.documents``) on request and never stored (a stored copy
would be one more copy of everything about the person). Registered from ``OrdersConfig.ready()``.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from oms import documents, privacy
from oms.documents import DocumentContent, DocumentKind
from oms.roles import Role

CUSTOMER_EXPORT_DOCUMENT = "customer-data-export"


def section_titles() -> dict[str, str]:
    return {
        "customer": _("Customer profile"),
        "orders": _("Orders and addresses"),
        "timeline": _("Order timeline"),
        "notes": _("Notes"),
        "cases": _("Support cases and messages"),
        "ratings": _("Ratings"),
        "payments": _("Payments"),
        "shipments": _("Shipments and tracking"),
        "return_parcels": _("Return parcels"),
        "invoices": _("Invoices"),
        "credit_notes": _("Credit notes"),
        "dunning_notices": _("Payment reminders"),
        "bank_payments": _("Bank payments"),
        "returns": _("Returns"),
        "return_photos": _("Return photos"),
        "claims": _("Shipment claims"),
        "withdrawals": _("Declarations of withdrawal"),
        "mails": _("Mails sent"),
        "webhook_deliveries": _("Messages to connected systems (webhooks)"),
    }


def readable_sections(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The export's sections with their titles, each record as (field, value) rows."""
    titles = section_titles()
    return [
        {"key": key, "title": titles.get(key, key), "records": [_flatten(r) for r in records]}
        for key, records in data["sections"].items()
    ]


def _flatten(record: dict, prefix: str = "") -> list[tuple[str, str]]:
    """A record as (field, value) rows: nested dicts as ``billing_address.city``, lists as JSON."""
    rows: list[tuple[str, str]] = []
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            rows.extend(_flatten(value, f"{name}."))
        elif isinstance(value, list | dict):
            rows.append((name, json.dumps(value, ensure_ascii=False) if value else ""))
        else:
            rows.append((name, "" if value is None else str(value)))
    return rows


def customer_export_document(subject: str) -> DocumentContent:
    """The export of customer ``subject`` (a customer id), in the reader's language."""
    customer_id = int(subject)
    data = privacy.export_customer_data(customer_id)
    return DocumentContent(
        context={"customer_id": customer_id, "sections": readable_sections(data), "exported_at": data["exported_at"]},
        language=translation.get_language() or settings.LANGUAGE_CODE,
        filename=f"customer-{customer_id}-data.pdf",
    )


def register() -> None:
    documents.register_kind(
        DocumentKind(
            CUSTOMER_EXPORT_DOCUMENT,
            gettext_lazy("Customer data export"),
            template="orders/documents/customer_export.html",
            build=customer_export_document,
            roles=frozenset({Role.SUPPORT}),
            customer_of=int,
        )
    )
