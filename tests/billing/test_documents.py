"""Invoice and credit-note PDFs: requested through the outbox in the issuing transaction, rendered
with every field §14 Abs. 4 UStG asks for, stored under their SHA-256, downloadable by staff, and
mailed to the customer with the PDF attached."""

from __future__ import annotations

import datetime
import hashlib
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from PIL import Image

from billing.documents import CREDIT_NOTE_DOCUMENT, INVOICE_DOCUMENT
from billing.models import CreditNoteReason
from billing.services.crediting import issue_credit_note
from billing.services.issuing import issue_invoice_for_shipment
from oms import documents, mail
from oms.models import CustomerMail, Document, OutboxMessage
from tests.billing.flows import place, ship
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(datetime.datetime(2026, 12, 7, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


def _text(pdf: bytes) -> str:
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    return result.stdout.decode()


def _first_page_png(pdf: bytes, folder: Path) -> Image.Image:
    (folder / "doc.pdf").write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", "-singlefile", "doc.pdf", "page"],
        cwd=folder,
        capture_output=True,
        check=True,
    )
    return Image.open(folder / "page.png").convert("L")


def _pdf(kind: str, pk: int) -> tuple[Document, bytes]:
    document = documents.render_document_now(kind, subject=str(pk))
    return document, documents.read_document(document)


def test_issuing_requests_the_pdf_and_the_mail_in_the_same_transaction():
    order = place({"MUG-1": (1, "19.99")})
    invoice = issue_invoice_for_shipment(shipment_id=ship(order, {"MUG-1": 1}).pk)
    assert invoice.document.kind == INVOICE_DOCUMENT and invoice.document.status == "pending"
    assert OutboxMessage.objects.filter(kind="document", payload__document_id=invoice.document_id).exists()
    sent = CustomerMail.objects.get(kind="invoice")
    assert sent.subject_id == str(invoice.pk) and sent.to == order.email


def test_the_invoice_pdf_holds_every_field_the_law_asks_for_and_is_not_blank(tmp_path):
    order = place(
        {"MUG-1": (2, "19.99", "2.00"), "BOOK-1": (1, "14.95")},
        shipping="4.90",
        discount="1.00",
        vat_rates={"BOOK-1": "7.00"},
    )
    invoice = issue_invoice_for_shipment(shipment_id=ship(order, {"MUG-1": 2, "BOOK-1": 1}).pk)
    document, pdf = _pdf(INVOICE_DOCUMENT, invoice.pk)
    text = _text(pdf)
    compact = " ".join(text.split()).replace(" %", "%")
    bare = "".join(text.split())

    assert document.sha256 == hashlib.sha256(pdf).hexdigest() and document.filename == f"{invoice.number}.pdf"
    for field in [
        invoice.number,  # Nr. 4: the invoice number
        "Beispiel Handel GmbH",  # Nr. 1: the seller's name and address
        "Musterstraße 1",
        "10115 Berlin",
        "Erika Mustermann",  # Nr. 1: the buyer's name and address
        "Hauptstraße 1",
        "30/123/45678",  # Nr. 2: tax number
        "DE123456789",  # Nr. 2: VAT ID
        "7. Dezember 2026",  # Nr. 3 and 6: invoice date and date of supply
        "Lieferdatum",
        "Artikel MUG-1",  # Nr. 5: description of the goods and their quantity
        "Artikel BOOK-1",
        "19%",  # Nr. 7 and 8: net per rate, the rate and the VAT
        " 7%",
        order.number,
        "Fällig",
        "Bereits bezahlt",
        "Noch offen",
    ]:
        assert field in compact, field
    for row in invoice.vat_rows.all():
        for amount in (row.net, row.vat, row.gross):
            assert f"{amount:.2f}".replace(".", ",") in compact
    assert f"{invoice.total:.2f}".replace(".", ",") in compact
    assert "Seite1/1" in bare  # page numbers
    page = _first_page_png(pdf, tmp_path)
    dark = sum(page.histogram()[:128])
    assert dark > 500, "the first page looks blank"


def test_a_reverse_charge_invoice_prints_both_vat_ids_and_the_note():
    order = place({"MUG-1": (1, "50.00")}, country="AT", company="Muster GmbH", vat_id="ATU12345678")
    invoice = issue_invoice_for_shipment(shipment_id=ship(order, {"MUG-1": 1}).pk)
    compact = " ".join(_text(_pdf(INVOICE_DOCUMENT, invoice.pk)[1]).split())
    assert "ATU12345678" in compact and "DE123456789" in compact
    assert "Steuerschuldnerschaft des Leistungsempfängers" in compact


def test_the_credit_note_pdf_names_the_invoice_it_corrects():
    order = place({"MUG-1": (2, "19.99")})
    invoice = issue_invoice_for_shipment(shipment_id=ship(order, {"MUG-1": 2}).pk)
    note = issue_credit_note(invoice=invoice, reason=CreditNoteReason.RETURN, quantities={invoice.lines.get().pk: 1})
    compact = " ".join(_text(_pdf(CREDIT_NOTE_DOCUMENT, note.pk)[1]).split())
    assert note.number in compact and invoice.number in compact and "Gutschrift" in compact


def test_the_mail_carries_the_pdf_and_staff_download_it(support_client, warehouse_user):
    order = place({"MUG-1": (1, "19.99")})
    invoice = issue_invoice_for_shipment(shipment_id=ship(order, {"MUG-1": 1}).pk)
    rendered = mail.render_mail("invoice", subject_id=str(invoice.pk), language="de")
    assert invoice.number in rendered.subject
    assert [a.filename for a in rendered.attachments] == [f"{invoice.number}.pdf"]
    assert rendered.attachments[0].content.startswith(b"%PDF")

    url = reverse("document-file", args=[invoice.document_id])
    response = support_client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content if response.streaming else [response.content]).startswith(b"%PDF")
    assert client_for(Client(), warehouse_user).get(url).status_code == 403  # not the warehouse's to read
    assert Decimal(invoice.total) == Decimal("24.89")
