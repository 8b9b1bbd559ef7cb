"""Support's returns queue (/support/returns/): what waits for approval and the refunds about to be
late by default, filters, sort, count and CSV export; and an RMA number finds its order in the
support search."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from returns.models import ReturnReason
from returns.services.requests import cancel_return, create_return
from tests.returns.flows import BERLIN, DELIVERED, delivered_order, line_of

pytestmark = pytest.mark.django_db
NOW = datetime.datetime(2026, 3, 20, 10, 0, tzinfo=BERLIN)
URL = "/support/returns/"


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def _return(user, *, at, sku="SHIRT", reason=ReturnReason.DOES_NOT_FIT, override="", lines=None):
    order = delivered_order(lines=lines)
    with time_machine.travel(at, tick=False):
        return create_return(order, {line_of(order, sku).pk: 1}, reason, by=user, channel_override_reason=override)


@pytest.fixture
def queue(support_user):
    """waiting: outside the window, so support decides; late: approved 12 days ago (refund due in
    2 days); fresh: approved today; cancelled: closed."""
    late_start = NOW - datetime.timedelta(days=12)
    return {
        "waiting": _return(support_user, at=NOW, override="Kulanz", reason=ReturnReason.DAMAGED),
        "late": _return(support_user, at=late_start),
        "fresh": _return(support_user, at=DELIVERED + datetime.timedelta(days=14)),
        "cancelled": cancel_return(
            _return(support_user, at=late_start, sku="JEANS"), by=support_user, reason="Kunde behält es"
        ),
    }


def _numbers(response) -> list[str]:
    body = response.content.decode()
    return [part.split('"', 1)[0] for part in body.split('data-rma="')[1:]]


def test_by_default_the_queue_shows_what_waits_for_approval_and_refunds_due_soon(support_client, queue):
    with time_machine.travel(NOW, tick=False):
        response = support_client.get(URL)
    assert response.status_code == 200
    # Oldest first: the refund due soonest on top.
    assert _numbers(response) == [queue["late"].number, queue["waiting"].number]
    body = response.content.decode()
    due = queue["late"].created_at.astimezone(BERLIN).date() + datetime.timedelta(days=14)
    assert f'data-refund-due="{due.isoformat()}"' in body
    assert "2 matches" in body


def test_an_overdue_refund_is_marked_red(support_client, queue):
    with time_machine.travel(NOW + datetime.timedelta(days=5), tick=False):
        body = support_client.get(URL).content.decode()
    assert 'class="badge badge-bad" data-refund-due' in body and "overdue since" in body


def test_filters_by_state_reason_channel_and_date(support_client, queue):
    with time_machine.travel(NOW, tick=False):
        every = _numbers(support_client.get(URL, {"state": "all"}))
        cancelled = _numbers(support_client.get(URL, {"state": "cancelled"}))
        damaged = _numbers(support_client.get(URL, {"state": "all", "reason": "damaged"}))
        no_channel = _numbers(support_client.get(URL, {"state": "all", "channel": "zz-none"}))
        today = _numbers(support_client.get(URL, {"state": "all", "created_from": "2026-03-20"}))
    assert sorted(every) == sorted(r.number for r in queue.values())
    assert cancelled == [queue["cancelled"].number]
    assert damaged == [queue["waiting"].number]
    assert sorted(no_channel) == sorted(every)  # an unknown channel is named and ignored
    assert today == [queue["waiting"].number]


def test_the_queue_sorts_by_value_and_exports_what_is_filtered(support_client, queue):
    with time_machine.travel(NOW, tick=False):
        by_value = _numbers(support_client.get(URL, {"state": "all", "sort": "-value"}))
        export = support_client.get(reverse("returns:support-return-export"), {"state": "cancelled"})
    assert by_value[0] in (queue["cancelled"].number,)  # the jeans (89.00) before the shirts
    csv = b"".join(export.streaming_content).decode("utf-8-sig")
    lines = csv.strip().splitlines()
    assert lines[0].startswith("RMA number;Order;Customer")
    assert len(lines) == 2 and queue["cancelled"].number in lines[1] and "89,00" in lines[1]


def test_htmx_gets_only_the_table(support_client, queue):
    with time_machine.travel(NOW, tick=False):
        response = support_client.get(URL, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="return-table")
    body = response.content.decode()
    assert 'id="return-table"' in body and "<html" not in body


def test_the_queue_reads_a_fixed_number_of_queries_whatever_its_length(
    support_client, support_user, django_assert_max_num_queries
):
    _return(support_user, at=NOW, override="x")
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(30) as first:
        support_client.get(URL)
    for _i in range(3):
        _return(support_user, at=NOW, override="x")
    with time_machine.travel(NOW, tick=False), django_assert_max_num_queries(len(first.captured_queries)):
        support_client.get(URL)


def test_an_rma_number_finds_its_order_in_the_support_search(support_client, support_user):
    rma = _return(support_user, at=NOW, override="x")
    response = support_client.get(reverse("orders:support-order-list"), {"q": rma.number})
    assert rma.order.number in response.content.decode()
    other = delivered_order()
    assert other.number not in response.content.decode()
