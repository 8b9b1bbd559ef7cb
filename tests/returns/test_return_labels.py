"""Return labels: booked through the outbox when a return is approved, in the carrier's number
format, mailed to the customer as a PDF attachment, shown to support and in the portal, found by
the receiving screen, and tracked like an outgoing parcel."""

from __future__ import annotations

import datetime
import json
import subprocess

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse

from fulfillment.carriers.base import TrackingUpdate, sign_webhook
from fulfillment.carriers.numbers import FORMATS
from fulfillment.models import Carrier, Package, ReturnParcel, ReturnParcelEvent, ReturnParcelState, TrackingSource
from fulfillment.services.return_labels import RETURN_LABEL_DOCUMENT, book_return_label
from fulfillment.services.tracking import record_tracking_updates
from fulfillment.services.tracking_imports import import_tracking_csv
from inventory.models import Warehouse
from oms import mail, outbox
from oms.models import CustomerMail, Document, OutboxMessage, OutboxStatus
from orders.models import Order
from orders.portal_links import make_token
from returns.models import ReturnReason, ReturnState
from returns.services.receiving import find_return
from returns.services.requests import approve_return, cancel_return, create_return
from tests.returns.flows import WITHIN, delivered_order, line_of

pytestmark = pytest.mark.django_db


def _deliver(kind: str) -> None:
    for message in OutboxMessage.objects.filter(kind=kind, status=OutboxStatus.PENDING).order_by("pk"):
        outbox.deliver(message.pk)


def _pdf_text(pdf: bytes) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def _approved_return(order: Order | None = None):
    order = order or delivered_order()
    Warehouse.objects.filter(code="BER").update(street="Lagerweg 1", postal_code="12529", city="Schönefeld")
    with time_machine.travel(WITHIN, tick=False):
        rma = create_return(order, {line_of(order, "SHIRT").pk: 1}, ReturnReason.DOES_NOT_FIT, by=None)
    assert rma.state == ReturnState.APPROVED  # approved at once by the rule
    return rma


def _mails(kind: str = "return_approved") -> list[CustomerMail]:
    return list(CustomerMail.objects.filter(kind=kind).order_by("pk"))


def test_approval_asks_for_a_label_booked_once_in_the_carriers_format_then_mailed_with_the_pdf():
    rma = _approved_return()
    parcel = ReturnParcel.objects.get(reference=rma.number)
    assert parcel.state == ReturnParcelState.REQUESTED and parcel.order_id == rma.order_id
    assert OutboxMessage.objects.filter(kind="return-label", payload={"return_parcel_id": parcel.pk}).count() == 1
    assert _mails() == []  # the mail waits for the label

    _deliver("return-label")
    parcel.refresh_from_db()
    rma.refresh_from_db()
    number = parcel.tracking_number
    assert parcel.state == ReturnParcelState.LABELLED
    assert FORMATS["dhl-paket"].is_valid(number)  # the carrier of the order's shipment
    assert number not in set(Package.objects.values_list("tracking_number", flat=True))
    assert rma.tracking_number == number
    assert number in Order.objects.get(pk=rma.order_id).search_text
    [approved] = _mails()

    # The booking again (a repeated message, a second worker): nothing new, no second mail.
    assert book_return_label(parcel.pk) is None
    OutboxMessage.objects.filter(kind="return-label").update(status=OutboxStatus.PENDING)
    _deliver("return-label")
    assert ReturnParcel.objects.get(pk=parcel.pk).tracking_number == number
    assert len(_mails()) == 1 and Document.objects.filter(kind=RETURN_LABEL_DOCUMENT).count() == 1

    rendered = mail.render_mail("return_approved", subject_id=approved.subject_id, language="de")
    assert number in rendered.text and "Rücksendeetikett" in rendered.text
    [attachment] = rendered.attachments
    assert attachment.mimetype == "application/pdf" and attachment.content.startswith(b"%PDF-")
    label = _pdf_text(attachment.content)
    assert number in label and rma.number in label
    assert "Lagerweg 1" in label and "12529 Schönefeld" in label  # to the warehouse
    assert "Retoure" in label and "Absender".upper() in label  # in the customer's language


def test_a_rolled_back_approval_books_nothing_and_mails_nothing(admin_user):
    order = delivered_order(lines={"COAT": (1, "900.00")})  # over the limit: waits for support
    with time_machine.travel(WITHIN, tick=False):
        rma = create_return(order, {line_of(order, "COAT").pk: 1}, ReturnReason.DAMAGED, by=admin_user)
    assert rma.state == ReturnState.REQUESTED and not ReturnParcel.objects.exists()
    with pytest.raises(RuntimeError), transaction.atomic():
        approve_return(rma, by=admin_user)
        raise RuntimeError("the request fails after the approval")
    assert not ReturnParcel.objects.exists()
    assert not OutboxMessage.objects.filter(kind="return-label").exists() and _mails() == []


def test_a_cancelled_return_gets_no_label_booked():
    rma = _approved_return()
    cancel_return(rma, by=None, reason="customer keeps it", actor_label="portal")
    _deliver("return-label")
    parcel = ReturnParcel.objects.get(reference=rma.number)
    assert parcel.state == ReturnParcelState.CANCELLED and parcel.tracking_number == ""
    assert _mails() == []


def test_the_receiving_screen_finds_the_return_by_the_labels_tracking_number(warehouse_client):
    rma = _approved_return()
    _deliver("return-label")
    number = ReturnParcel.objects.get(reference=rma.number).tracking_number
    assert find_return(number).pk == rma.pk
    response = warehouse_client.get(reverse("returns:warehouse-returns"), {"code": number})
    assert response.status_code == 302
    assert response["Location"] == reverse("returns:warehouse-return", args=[rma.number])


def _event(number: str, status: str, at: datetime.datetime, **extra) -> TrackingUpdate:
    return TrackingUpdate(tracking_number=number, status_code=status, state=status, occurred_at=at, **extra)


def test_carrier_events_move_the_return_parcel_to_the_warehouse_once_each_and_out_of_order_ones_stay():
    rma = _approved_return()
    _deliver("return-label")
    parcel = ReturnParcel.objects.get(reference=rma.number)
    n = parcel.tracking_number
    day = WITHIN + datetime.timedelta(days=1)
    first = record_tracking_updates(
        updates=[_event(n, "in_transit", day, event_id="r-1", location="Leipzig")], source=TrackingSource.WEBHOOK
    )
    assert first.recorded == 1 and first.unknown == []
    parcel.refresh_from_db()
    assert parcel.state == ReturnParcelState.IN_TRANSIT

    delivered_at = day + datetime.timedelta(days=1)
    record_tracking_updates(updates=[_event(n, "delivered", delivered_at, event_id="r-2")], source="webhook")
    again = record_tracking_updates(updates=[_event(n, "delivered", delivered_at, event_id="r-2")], source="webhook")
    late = record_tracking_updates(
        updates=[_event(n, "in_transit", day + datetime.timedelta(hours=3), event_id="r-0")], source="webhook"
    )
    assert again.duplicates == 1 and late.recorded == 1
    parcel.refresh_from_db()
    assert parcel.state == ReturnParcelState.DELIVERED and parcel.delivered_at == delivered_at
    assert ReturnParcelEvent.objects.filter(parcel=parcel).count() == 3
    texts = [str(t) for t in Order.objects.get(pk=rma.order_id).events.values_list("message", flat=True)]
    assert f"Rücksendepaket {rma.number}: Unterwegs. " in texts
    assert f"Rücksendepaket {rma.number}: Im Lager zugestellt. " in texts
    assert sum("Rücksendepaket" in t for t in texts) == 2  # the late event moved nothing


def test_the_carrier_webhook_and_the_csv_upload_take_return_label_numbers(client):
    rma = _approved_return()
    _deliver("return-label")
    parcel = ReturnParcel.objects.get(reference=rma.number)
    carrier = Carrier.objects.get(code="dhl")
    carrier.webhook_secret = "s3cret"
    carrier.save(update_fields=["webhook_secret"])
    body = json.dumps(
        {
            "events": [
                {
                    "id": "ret-evt-1",
                    "tracking_number": parcel.tracking_number,
                    "status": "exception",
                    "reason": "address",
                    "occurred_at": "2026-03-06T10:00:00+01:00",
                }
            ]
        }
    ).encode()
    response = client.post(
        reverse("fulfillment:carrier-tracking-webhook", args=["dhl"]),
        body,
        content_type="application/json",
        headers={"X-Carrier-Signature": sign_webhook("s3cret", body)},
    )
    assert response.status_code == 200, response.content
    parcel.refresh_from_db()
    assert parcel.state == ReturnParcelState.EXCEPTION and parcel.exception_reason == "address"

    csv = f"tracking_number;status;occurred_at\n{parcel.tracking_number};delivered;07.03.2026 09:00\n"
    result = import_tracking_csv(data=csv.encode(), now=WITHIN + datetime.timedelta(days=5))
    assert result.recorded == 1
    parcel.refresh_from_db()
    assert parcel.state == ReturnParcelState.DELIVERED


def test_support_sees_the_label_and_its_tracking_on_the_rma_panel_and_the_customer_downloads_it(support_client, client):
    rma = _approved_return()
    _deliver("return-label")
    _deliver("document")
    parcel = ReturnParcel.objects.get(reference=rma.number)
    record_tracking_updates(
        updates=[_event(parcel.tracking_number, "in_transit", WITHIN + datetime.timedelta(days=1))], source="csv"
    )
    page = support_client.get(reverse("orders:support-order-detail", args=[rma.order.number])).content.decode()
    assert parcel.tracking_number in page
    assert reverse("document-file", args=[parcel.label_document_id]) in page
    assert 'data-return-parcel="in_transit"' in page
    detail = support_client.get(reverse("returns:support-return-detail", args=[rma.number])).content.decode()
    assert parcel.tracking_number in detail
    pdf = support_client.get(reverse("document-file", args=[parcel.label_document_id]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"

    token = make_token(rma.order_id, valid_for=datetime.timedelta(days=30))
    portal = client.get(reverse("orders:portal-order", args=[token])).content.decode()
    label_url = reverse("returns:portal-return-label", args=[token, rma.number])
    assert label_url in portal and parcel.tracking_number in portal
    download = client.get(label_url)
    assert download.status_code == 200 and download.content.startswith(b"%PDF-")
    assert parcel.tracking_number in _pdf_text(download.content)
    # Another order's link does not open this return's label.
    other = delivered_order()
    other_token = make_token(other.pk, valid_for=datetime.timedelta(days=30))
    assert client.get(reverse("returns:portal-return-label", args=[other_token, rma.number])).status_code == 404


def test_without_a_carrier_that_books_return_labels_the_approval_mail_goes_at_once():
    order = delivered_order()
    Carrier.objects.update(active=False)
    rma = _approved_return(order)
    assert rma.return_parcel_id is None and not OutboxMessage.objects.filter(kind="return-label").exists()
    [approved] = _mails()
    rendered = mail.render_mail("return_approved", subject_id=approved.subject_id, language="de")
    assert list(rendered.attachments) == []
    assert f"Rücksendenummer {rma.number}" in rendered.text
