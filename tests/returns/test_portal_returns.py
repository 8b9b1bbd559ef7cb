"""The portal's return request and its invoices to download: what the link's customer may do with
their own order, and nothing with another's (the clock is frozen in every test)."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client
from django.utils import translation

from billing.services.issuing import issue_invoice_for_shipment
from oms import outbox
from oms.models import OutboxMessage, OutboxStatus
from orders.portal_links import portal_path
from returns.models import ReturnRequest
from tests.returns.flows import AFTER, WITHIN, delivered_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _return_path(order) -> str:
    return portal_path(order.pk) + "return/"


def _units(order, sku: str) -> str:
    return f"units_{order.lines.get(sku=sku).pk}"


def test_a_delivered_order_offers_its_items_back_and_the_request_appears_on_the_order_page():
    order = delivered_order()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    with time_machine.travel(WITHIN, tick=False):
        page = client.get(portal_path(order.pk)).content.decode()
        assert "Return items" in page
        form = client.get(_return_path(order)).content.decode()
        assert "up to 2" in form and "up to 1" in form

        answer = client.post(
            _return_path(order), {_units(order, "SHIRT"): "1", "reason": "does_not_fit", "comment": "zu klein"}
        )

        assert answer.status_code == 302
        (rma,) = ReturnRequest.objects.filter(order=order)
        assert [(line.order_line.sku, line.quantity) for line in rma.lines.all()] == [("SHIRT", 1)]
        assert rma.comment == "zu klein" and rma.created_by_label == "portal"
        page = client.get(portal_path(order.pk)).content.decode()
        assert rma.number in page and f"We have your return request {rma.number}" in page
        # What is asked back already is not offered again.
        assert "up to 1" in client.get(_return_path(order)).content.decode()


def test_a_return_request_without_items_or_with_too_many_is_refused_and_nothing_is_written():
    order = delivered_order()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    with time_machine.travel(WITHIN, tick=False):
        empty = client.post(_return_path(order), {"reason": "damaged"})
        too_many = client.post(_return_path(order), {_units(order, "JEANS"): "2", "reason": "damaged"})
        no_reason = client.post(_return_path(order), {_units(order, "JEANS"): "1"})

    assert empty.status_code == too_many.status_code == no_reason.status_code == 422
    assert "Choose at least one item to return." in empty.content.decode()
    assert "less than or equal to 1" in too_many.content.decode()
    assert not ReturnRequest.objects.exists()


def test_after_the_period_the_return_page_says_why_and_takes_nothing():
    order = delivered_order()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    with time_machine.travel(AFTER, tick=False):
        page = client.get(portal_path(order.pk)).content.decode()
        form = client.get(_return_path(order))
        posted = client.post(_return_path(order), {_units(order, "SHIRT"): "1", "reason": "damaged"})

    assert "Return items" not in page
    assert "period for this order ended on" in form.content.decode()
    assert posted.status_code == 422 and "period for this order ended on" in posted.content.decode()
    assert not ReturnRequest.objects.exists()


def _rendered_invoice(order):
    shipment = order.shipments.get()
    invoice = issue_invoice_for_shipment(shipment_id=shipment.pk)
    for message in OutboxMessage.objects.filter(kind="document", status=OutboxStatus.PENDING):
        outbox.deliver(message.pk)
    invoice.refresh_from_db()
    return invoice


def test_the_customer_downloads_the_invoice_of_their_order_and_no_other():
    order = delivered_order()
    other = delivered_order()
    with time_machine.travel(WITHIN, tick=False):
        invoice = _rendered_invoice(order)
        foreign = _rendered_invoice(other)
        client = Client(HTTP_ACCEPT_LANGUAGE="en")
        page = client.get(portal_path(order.pk)).content.decode()
        own = client.get(portal_path(order.pk) + f"documents/{invoice.document_id}/")
        theirs = client.get(portal_path(order.pk) + f"documents/{foreign.document_id}/")
        unknown = client.get(portal_path(order.pk) + "documents/999999/")

    assert f"Invoice {invoice.number} (PDF)" in page
    assert foreign.number not in page
    assert own.status_code == 200 and own["Content-Type"] == "application/pdf"
    assert b"".join(own.streaming_content)[:5] == b"%PDF-"
    assert "no-store" in own["Cache-Control"] and own["Referrer-Policy"] == "same-origin"
    assert theirs.status_code == unknown.status_code == 404
