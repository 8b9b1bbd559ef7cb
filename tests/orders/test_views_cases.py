"""Support cases: opened from the order page, thread replies, state changes, the queue."""

from __future__ import annotations

import pytest
from django.urls import reverse

from orders.models import CaseMessage, CaseState, SupportCase
from tests.orders.support_fixtures import *  # noqa: F403  (fixtures)
from tests.orders.support_fixtures import place


@pytest.fixture
def order(catalogue, webshop):
    return place(webshop)


def _open(client, order, subject="Parcel late", message="Customer asks where the parcel is."):
    return client.post(
        reverse("orders:support-case-create", args=[order.number]),
        {"case-subject": subject, "case-message": message},
    )


def test_agent_opens_a_case_from_the_order_page(support_client, support_user, order):
    response = _open(support_client, order)

    case = SupportCase.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:support-case-detail", args=[case.pk])
    assert (case.order, case.customer, case.state, case.opened_by) == (
        order,
        order.customer,
        CaseState.OPEN,
        support_user,
    )
    assert case.messages.get().body == "Customer asks where the parcel is."
    page = support_client.get(response["Location"]).content.decode()
    assert "Parcel late" in page and order.number in page
    # The order page lists it.
    assert (
        "Parcel late"
        in support_client.get(reverse("orders:support-order-detail", args=[order.number])).content.decode()
    )


def test_opening_a_case_with_htmx_answers_a_client_redirect(support_client, order):
    response = support_client.post(
        reverse("orders:support-case-create", args=[order.number]),
        {"case-subject": "Refund", "case-message": "Wants money back"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("orders:support-case-detail", args=[SupportCase.objects.get().pk])


def test_a_case_without_subject_is_422_and_nothing_is_stored(support_client, order):
    response = _open(support_client, order, subject="")
    assert response.status_code == 422
    assert SupportCase.objects.count() == 0


def test_reply_adds_to_the_thread_and_answers_the_partial(support_client, order):
    _open(support_client, order)
    case = SupportCase.objects.get()
    response = support_client.post(
        reverse("orders:support-case-reply", args=[case.pk]),
        {"body": "We checked: it ships today."},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="case-thread"') and "We checked: it ships today." in body
    assert CaseMessage.objects.filter(case=case).count() == 2
    assert f"case #{case.pk}" in body and 'class="message message-success"' in body  # says what it did
    empty = support_client.post(
        reverse("orders:support-case-reply", args=[case.pk]), {"body": " "}, headers={"HX-Request": "true"}
    )
    assert empty.status_code == 422


def test_case_states_waiting_resolved_and_illegal_move(support_client, order):
    _open(support_client, order)
    case = SupportCase.objects.get()
    url = lambda verb: reverse("orders:support-case-transition", args=[case.pk, verb])  # noqa: E731

    assert support_client.post(url("wait_for_customer"), headers={"HX-Request": "true"}).status_code == 200
    case.refresh_from_db()
    assert case.state == CaseState.WAITING
    support_client.post(url("resolve"))
    case.refresh_from_db()
    assert case.state == CaseState.RESOLVED

    refused = support_client.post(url("resolve"))
    assert refused.status_code == 409
    unknown = support_client.post(url("delete"))
    assert unknown.status_code == 409
    case.refresh_from_db()
    assert case.state == CaseState.RESOLVED

    # A reply to a resolved case reopens it.
    support_client.post(reverse("orders:support-case-reply", args=[case.pk]), {"body": "One more thing"})
    case.refresh_from_db()
    assert case.state == CaseState.OPEN


def test_queue_lists_open_cases_and_hides_resolved_ones(support_client, order, django_assert_max_num_queries):
    for subject in ("A first", "B second", "C third"):
        _open(support_client, order, subject=subject)
    resolved = SupportCase.objects.get(subject="C third")
    support_client.post(reverse("orders:support-case-transition", args=[resolved.pk, "resolve"]))

    with django_assert_max_num_queries(6):
        response = support_client.get(reverse("orders:support-case-list"))
    body = response.content.decode()
    assert "A first" in body and "B second" in body and "C third" not in body
    everything = support_client.get(
        reverse("orders:support-case-list"), {"state": "all"}, headers={"HX-Request": "true"}
    )
    assert "C third" in everything.content.decode() and "<html" not in everything.content.decode()


def test_case_pages_are_for_support_only(client, warehouse_user, order):
    case = SupportCase.objects.create(order=order, customer=order.customer, subject="x")
    url = reverse("orders:support-case-detail", args=[case.pk])
    assert client.get(url).status_code == 302
    client.force_login(warehouse_user)
    assert client.get(url).status_code == 403


def test_queue_lists_the_case_with_the_latest_activity_first(support_client, order):
    for subject in ("Opened first", "Opened second"):
        _open(support_client, order, subject=subject)
    older = SupportCase.objects.get(subject="Opened first")

    support_client.post(reverse("orders:support-case-reply", args=[older.pk]), {"body": "Any news?"})

    body = support_client.get(reverse("orders:support-case-list")).content.decode()
    assert body.index("Opened first") < body.index("Opened second")


def test_the_queue_sorts_by_subject_and_exports_what_is_filtered(support_client, order):
    for subject in ("B second", "A first"):
        _open(support_client, order, subject=subject)
    response = support_client.get(reverse("orders:support-case-list"), {"sort": "subject"})
    assert [c.subject for c in response.context["page"].rows] == ["A first", "B second"]
    export = support_client.get(reverse("orders:support-case-export"), {"q": "second"})
    text = b"".join(export.streaming_content).decode()
    assert "B second" in text and "A first" not in text


def test_the_queue_offers_a_new_case_button_that_leads_to_the_order_search(support_client, order):
    page = support_client.get(reverse("orders:support-case-list")).content.decode()
    search_url = reverse("orders:support-order-list") + "?new_case=1"
    assert f'href="{search_url}">New case</a>' in page

    search = support_client.get(search_url).content.decode()
    assert "find the order, open it and use “Open a support case”" in search
    # Without the hint parameter the order search stays as it was.
    assert "Open a support case" not in support_client.get(reverse("orders:support-order-list")).content.decode()
