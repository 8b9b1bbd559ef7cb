"""Support's return screens: the RMA panel on the order page, creating a return there, and the
decisions (approve, reject with a reason, cancel). Bad input shows why and writes nothing."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from orders.models import EventKind
from returns.models import ReturnEvent, ReturnReason, ReturnRequest, ReturnState
from returns.services.requests import create_return
from tests.returns.flows import AFTER, WITHIN, delivered_order, line_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(client):
    """Pages and timeline texts in English (the client asks for it; the default is German)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def _order_page(client, order):
    return client.get(reverse("orders:support-order-detail", args=[order.number]))


def _create_url(order):
    return reverse("returns:support-return-create", args=[order.number])


def _post_create(client, order, *, quantities, reason="does_not_fit", **extra):
    data = {f"return-line_{line_of(order, sku).pk}": q for sku, q in quantities.items()}
    data["return-reason"] = reason
    data.update({f"return-{k}": v for k, v in extra.items()})
    return client.post(_create_url(order), data)


def test_the_order_page_offers_a_return_for_the_shipped_units(support_client):
    order = delivered_order()
    with time_machine.travel(WITHIN, tick=False):
        page = _order_page(support_client, order)
    body = page.content.decode()
    assert page.status_code == 200
    assert 'id="order-returns"' in body
    assert f'action="{_create_url(order)}"' in body
    assert f'name="return-line_{line_of(order, "SHIRT").pk}" min="0" max="2"' in body


def test_an_order_nothing_was_shipped_of_shows_no_rma_panel(support_client):
    from tests.billing.flows import place

    order = place({"CAP": (1, "9.90")})
    assert 'id="order-returns"' not in _order_page(support_client, order).content.decode()


def test_support_creates_a_return_and_the_panel_shows_it_with_its_state_lines_and_reason(support_client):
    order = delivered_order()
    with time_machine.travel(WITHIN, tick=False):
        response = _post_create(support_client, order, quantities={"SHIRT": 1, "JEANS": 0}, comment="Zu eng")
        assert response.status_code == 302
        assert response["Location"] == reverse("orders:support-order-detail", args=[order.number])
        page = _order_page(support_client, order).content.decode()

    rma = ReturnRequest.objects.get()
    assert rma.state == ReturnState.APPROVED  # small, within the window: approved at once
    assert [(line.order_line.sku, line.quantity) for line in rma.lines.all()] == [("SHIRT", 1)]
    assert rma.comment == "Zu eng" and rma.created_by_label == "support:agent"
    assert f'data-rma="{rma.number}"' in page
    assert 'data-state="approved"' in page and "Does not fit" in page
    assert 'data-sku="SHIRT"' in page
    # One shirt is left to return.
    assert f'name="return-line_{line_of(order, "SHIRT").pk}" min="0" max="1"' in page


@pytest.mark.parametrize(
    ("quantities", "reason", "extra", "message"),
    [
        ({"SHIRT": 3}, "does_not_fit", {}, "At most 2 units."),
        ({"SHIRT": 0, "JEANS": 0}, "does_not_fit", {}, "Enter the units to return for at least one item."),
        ({"SHIRT": 1}, "other", {}, "Describe the reason in your own words."),
        ({"SHIRT": 1}, "zz-unknown", {}, "Select a valid choice."),
        ({"SHIRT": -1}, "damaged", {}, ""),
    ],
)
def test_bad_input_is_shown_in_the_form_and_nothing_is_written(support_client, quantities, reason, extra, message):
    order = delivered_order()
    events = order.events.count()
    with time_machine.travel(WITHIN, tick=False):
        response = _post_create(support_client, order, quantities=quantities, reason=reason, **extra)
    assert response.status_code == 422
    assert 'id="return-create"' in response.content.decode()
    if message:
        assert message in response.content.decode()
    assert not ReturnRequest.objects.exists()
    assert order.events.count() == events


def test_after_the_window_support_needs_a_reason_to_override_and_then_decides(support_client):
    order = delivered_order()
    with time_machine.travel(AFTER, tick=False):
        refused = _post_create(support_client, order, quantities={"SHIRT": 1})
        assert refused.status_code == 422
        assert "The return window ended on 2026-03-16." in refused.content.decode()
        assert not ReturnRequest.objects.exists()

        accepted = _post_create(
            support_client, order, quantities={"SHIRT": 1}, override_reason="Kunde war im Krankenhaus"
        )
    assert accepted.status_code == 302
    rma = ReturnRequest.objects.get()
    assert rma.state == ReturnState.REQUESTED
    assert rma.window_override_reason == "Kunde war im Krankenhaus"


def _waiting_return(order, user):
    with time_machine.travel(AFTER, tick=False):
        return create_return(
            order, {line_of(order, "JEANS").pk: 1}, ReturnReason.DAMAGED, by=user, channel_override_reason="Kulanz"
        )


def test_support_approves_a_waiting_return(support_client, support_user):
    order = delivered_order()
    rma = _waiting_return(order, support_user)
    page = support_client.get(reverse("returns:support-return-detail", args=[rma.number])).content.decode()
    assert reverse("returns:support-return-approve", args=[rma.number]) in page

    response = support_client.post(
        reverse("returns:support-return-approve", args=[rma.number]), {"approve-reason": "Foto zeigt Schaden"}
    )
    assert response.status_code == 302
    rma.refresh_from_db()
    assert rma.state == ReturnState.APPROVED and rma.decision_reason == "Foto zeigt Schaden"
    assert ReturnEvent.objects.filter(request=rma, to_state=ReturnState.APPROVED).exists()


def test_a_rejection_needs_a_reason_and_goes_on_the_timeline(support_client, support_user):
    order = delivered_order()
    rma = _waiting_return(order, support_user)
    url = reverse("returns:support-return-reject", args=[rma.number])

    empty = support_client.post(url, {"reject-reason": "  "})
    assert empty.status_code == 422
    rma.refresh_from_db()
    assert rma.state == ReturnState.REQUESTED

    done = support_client.post(url, {"reject-reason": "Gebrauchsspuren"})
    assert done.status_code == 302
    rma.refresh_from_db()
    assert rma.state == ReturnState.REJECTED
    texts = [str(m) for m in order.events.filter(kind=EventKind.RETURN).values_list("message", flat=True)]
    assert any("rejected: Gebrauchsspuren" in t for t in texts)


def test_support_cancels_an_approved_return_and_its_units_may_be_requested_again(support_client, support_user):
    order = delivered_order()
    with time_machine.travel(WITHIN, tick=False):
        rma = create_return(order, {line_of(order, "SHIRT").pk: 2}, ReturnReason.CHANGED_MIND, by=support_user)
    assert rma.state == ReturnState.APPROVED

    response = support_client.post(
        reverse("returns:support-return-cancel", args=[rma.number]), {"cancel-reason": "Kunde behält es"}
    )
    assert response.status_code == 302
    rma.refresh_from_db()
    assert rma.state == ReturnState.CANCELLED and rma.decision_reason == "Kunde behält es"
    with time_machine.travel(WITHIN, tick=False):
        page = _order_page(support_client, order).content.decode()
    assert f'name="return-line_{line_of(order, "SHIRT").pk}" min="0" max="2"' in page
    assert 'data-state="cancelled"' in page


def test_a_decision_the_state_forbids_is_refused_with_409_and_changes_nothing(support_client, support_user):
    order = delivered_order()
    rma = _waiting_return(order, support_user)
    support_client.post(reverse("returns:support-return-reject", args=[rma.number]), {"reject-reason": "Nein"})
    events = ReturnEvent.objects.count()

    response = support_client.post(reverse("returns:support-return-approve", args=[rma.number]), {})
    assert response.status_code == 409
    assert "not possible" in response.content.decode()
    rma.refresh_from_db()
    assert rma.state == ReturnState.REJECTED
    assert ReturnEvent.objects.count() == events


def test_htmx_posts_get_a_client_redirect_to_the_order(support_client):
    order = delivered_order()
    with time_machine.travel(WITHIN, tick=False):
        data = {f"return-line_{line_of(order, 'SHIRT').pk}": 1, "return-reason": "damaged"}
        response = support_client.post(_create_url(order), data, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"] == reverse("orders:support-order-detail", args=[order.number])


def test_the_warehouse_may_not_create_or_decide_returns(warehouse_client, support_user):
    order = delivered_order()
    rma = _waiting_return(order, support_user)
    assert warehouse_client.post(_create_url(order), {}).status_code == 403
    assert warehouse_client.post(reverse("returns:support-return-approve", args=[rma.number])).status_code == 403
