"""Shipping labels: asked for in the packing transaction, booked once whatever the retries, and
printed as a real A6 PDF that shows the tracking number, with a delivery note per package."""

from __future__ import annotations

import subprocess

import pytest
from django.db import transaction

from fulfillment.carriers.numbers import FORMATS
from fulfillment.exceptions import LabelError
from fulfillment.models import LabelState, Package, ShipmentState
from fulfillment.services.labels import DELIVERY_NOTE_DOCUMENT, LABEL_DOCUMENT, book_label, request_label
from oms import documents, outbox
from oms.models import Document, DocumentStatus, OutboxMessage, OutboxStatus
from tests.fulfillment.shipping import packed_shipment, picked_shipment, refreshed

pytestmark = pytest.mark.django_db


def _pdf_text(document: Document) -> str:
    pdf = documents.read_document(document)
    return subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()


def _deliver_all(kind: str) -> None:
    for message in OutboxMessage.objects.filter(kind=kind, status=OutboxStatus.PENDING):
        outbox.deliver(message.pk)


def test_a_label_is_enqueued_with_the_packing_and_only_leaves_after_commit(django_capture_on_commit_callbacks):
    picked = picked_shipment()
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        shipment = picked.pack()
    [message] = OutboxMessage.objects.filter(kind="label")
    assert message.payload == {"shipment_id": shipment.pk}
    assert callbacks  # the hand-over to a worker waits for the commit
    assert refreshed(shipment).label_state == LabelState.REQUESTED


def test_a_label_is_enqueued_never_when_the_packing_rolls_back():
    picked = picked_shipment()
    with pytest.raises(RuntimeError), transaction.atomic():
        picked.pack()
        raise RuntimeError("the packer's transaction fails")
    assert not OutboxMessage.objects.filter(kind="label").exists()
    shipment = refreshed(picked.shipment)
    assert shipment.label_state == LabelState.NONE and shipment.state == ShipmentState.PICKING


def test_the_label_task_run_twice_books_one_tracking_number_in_the_carriers_format():
    shipment = packed_shipment(carrier="dhl", packages=2)
    _deliver_all("label")

    labelled = refreshed(shipment)
    number = labelled.tracking_number
    assert labelled.state == ShipmentState.LABELLED and labelled.label_state == LabelState.READY
    assert FORMATS["dhl-paket"].is_valid(number) and number.startswith("00340434")
    assert len(labelled.routing_code) == 14 and labelled.routing_code.startswith("80331")
    package_numbers = list(
        Package.objects.filter(shipment=shipment).order_by("number").values_list("tracking_number", flat=True)
    )
    assert package_numbers[0] == number and len(set(package_numbers)) == 2

    # The same message delivered again, and the booking called again directly: nothing new.
    message = OutboxMessage.objects.get(kind="label")
    OutboxMessage.objects.filter(pk=message.pk).update(status=OutboxStatus.PENDING)
    outbox.deliver(message.pk)
    assert book_label(shipment.pk) is None
    again = refreshed(shipment)
    assert again.tracking_number == number and again.label_document_id == labelled.label_document_id
    assert Document.objects.filter(kind=LABEL_DOCUMENT).count() == 1
    assert Document.objects.filter(kind=DELIVERY_NOTE_DOCUMENT).count() == 2
    assert number in again.order.__class__.objects.get(pk=again.order_id).search_text


def test_the_label_pdf_renders_on_a6_with_the_tracking_number_recipient_sender_service_and_weight():
    shipment = packed_shipment(carrier="dpd", service_code="classic", grams=2350)
    _deliver_all("label")
    _deliver_all("document")

    labelled = refreshed(shipment)
    label = labelled.label_document
    assert label.status == DocumentStatus.READY
    pdf = documents.read_document(label)
    assert pdf.startswith(b"%PDF-")
    text = _pdf_text(label)
    assert labelled.tracking_number in text
    assert "Erika Mustermann" in text and "80331 München" in text
    assert "Lagerweg 1" in text  # the sender
    assert "DPD" in text and "Classic" in text and "2.35 kg" in text.replace(",", ".")
    assert labelled.routing_code in text
    size = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert "297.638 x 419.528 pts" in size  # A6: 105 x 148 mm


def test_each_package_gets_a_delivery_note_listing_what_it_holds():
    shipment = packed_shipment(packages=2)
    _deliver_all("label")
    _deliver_all("document")
    first = Package.objects.get(shipment=shipment, number=1)
    text = _pdf_text(first.delivery_note)
    assert "Lieferschein" in text  # the customer's language (German)
    assert shipment.order.number in text and "1 von 2" in text
    assert first.items.get().shipment_line.order_line.sku in text


def test_a_shipment_that_is_not_packed_gets_no_label_and_nothing_is_enqueued():
    shipment = packed_shipment()
    _deliver_all("label")  # labelled now
    with pytest.raises(LabelError):
        request_label(refreshed(shipment))
    assert OutboxMessage.objects.filter(kind="label").count() == 1
