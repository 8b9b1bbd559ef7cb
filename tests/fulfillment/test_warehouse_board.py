"""The warehouse home's board: shipments to pick, pack and ship per warehouse."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.fulfillment.shipping import packed_shipment

pytestmark = pytest.mark.django_db


def test_the_board_counts_the_shipments_waiting_to_ship(warehouse_client):
    shipment = packed_shipment()
    html = warehouse_client.get(reverse("warehouse-home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Fulfilment board" in html
    row = html[html.index(f'<th scope="row">{shipment.warehouse.code}</th>') :]
    cells = row.split("</tr>")[0].split("<td>")[1:]
    assert [cell.split("</strong>")[0].removeprefix("<strong>") for cell in cells] == ["0", "0", "1", "0"]


def test_the_board_says_when_nothing_waits_in_german(warehouse_client):
    html = warehouse_client.get(reverse("warehouse-home"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Im Lager wartet keine Sendung." in html
