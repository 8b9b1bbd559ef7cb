"""The order timeline reads in the reader's language, whatever language it was written in."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation

from orders.services.lifecycle import hold_order, unhold_order
from orders.services.payments import record_payment
from tests.orders.factories import ChannelFactory, order_for, stocked_product
from tests.orders.support_fixtures import *  # noqa: F403  (fixtures)

pytestmark = pytest.mark.django_db


def test_entries_written_by_an_english_agent_read_in_german(support_client, warehouse):
    channel = ChannelFactory(code="web", name="Webshop")
    stocked_product("LANG-1", {warehouse: 5})
    order = order_for(channel, {"LANG-1": 1}, payment_method="prepayment")
    with translation.override("en"):
        record_payment(order=order, kind="capture", amount=Decimal("23.79"), provider="bank", provider_reference="T-1")
        hold_order(order=order, reason="Address check")
        unhold_order(order=order, reason="Customer called")

    url = reverse("orders:support-order-detail", args=[order.number])
    german = support_client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()
    english = support_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Zurückgehalten: Address check" in german and "On hold: Address check" not in german
    assert "Sperre aufgehoben. Customer called" in german
    assert "Zahlungseinzug über 23,79 EUR erfasst." in german
    assert "On hold: Address check" in english and "Capture of 23.79 EUR recorded." in english


def test_intake_entries_written_in_english_read_in_german(support_client, warehouse):
    channel = ChannelFactory(code="web", name="Webshop")
    stocked_product("LANG-2", {warehouse: 5})
    with translation.override("en"):
        order = order_for(channel, {"LANG-2": 1}, payment_method="invoice")

    url = reverse("orders:support-order-detail", args=[order.number])
    german = support_client.get(url, HTTP_ACCEPT_LANGUAGE="de").content.decode()

    assert "Bestellung über Webshop aufgegeben." in german
    assert "Zahlung mit Zahlungsziel (Rechnung)." in german
    assert "Order placed through" not in german
