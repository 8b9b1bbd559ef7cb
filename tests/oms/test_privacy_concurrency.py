"""The erasure and an order placed for the same customer at the same moment, on real parallel
PostgreSQL connections: either the order came first, and the erasure waits for it and is refused
naming it, or the erasure came first, and the order waits for it and then belongs to a new
customer record. Never a half-erased customer, an erased open order or a deadlock."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, connections, transaction

from oms import privacy
from oms.privacy import ERASED
from orders.models import Customer, Order
from tests.oms.test_privacy import EMAIL, NAME, _draft

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _erasable_customer(sku: str):
    """A customer whose only order was cancelled: nothing stands in the way of their erasure."""
    from orders.services.cancellation import cancel_order
    from orders.services.intake import place_order
    from tests.reliability import ordering

    channel = ordering.make_channel("web")
    ordering.make_warehouse()
    ordering.make_product(sku, units=10)
    order = place_order(channel=channel, draft=_draft({sku: 1})).order
    cancel_order(order=order, reason="Kundenwunsch")
    return channel, order


def _someone_waits_for_me(timeout: float = 10) -> bool:
    """True once another connection waits for a lock this connection holds."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND pg_backend_pid() = ANY(pg_blocking_pids(pid))"
            )
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.02)
    return False


def test_an_order_placed_while_the_erasure_runs_waits_for_it_and_starts_a_new_customer_record():
    from orders.services.intake import place_order

    channel, old_order = _erasable_customer("GDPR-C1")
    customer_id = old_order.customer_id
    placed, errors, waited = {}, [], []

    def intake() -> None:
        try:
            placed["order"] = place_order(channel=channel, draft=_draft({"GDPR-C1": 1})).order
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    competitor = threading.Thread(target=intake)

    def meanwhile(subject, erasure) -> None:
        # The last contributor: everything is erased, nothing committed yet.
        competitor.start()
        waited.append(_someone_waits_for_me())

    privacy.register("zz-meanwhile", erase=meanwhile, order=1000)
    try:
        privacy.erase_customer(customer_id, by="agent")
    finally:
        privacy._contributors.pop("zz-meanwhile")
        competitor.join(20)

    assert waited == [True], "the order did not wait for the erasure"
    assert errors == []
    order = Order.objects.select_related("customer").get(pk=placed["order"].pk)
    erased = Customer.objects.get(pk=customer_id)
    assert (erased.name, erased.email.endswith("@erased.invalid")) == (ERASED, True)
    assert order.customer_id != customer_id
    assert (order.customer.email, order.customer.name, order.shipping_name) == (EMAIL, NAME, NAME)
    assert list(Order.objects.filter(customer_id=customer_id).values_list("pk", flat=True)) == [old_order.pk]
    assert Order.objects.get(pk=old_order.pk).shipping_name == ERASED


def test_an_erasure_while_an_order_is_being_placed_waits_for_it_and_is_refused_naming_it():
    from orders.services.intake import place_order

    channel, old_order = _erasable_customer("GDPR-C2")
    customer_id = old_order.customer_id
    placed, result = threading.Event(), {}

    def intake() -> None:
        try:
            with transaction.atomic():
                result["order"] = place_order(channel=channel, draft=_draft({"GDPR-C2": 1})).order
                placed.set()
                result["waited"] = _someone_waits_for_me()  # the erasure, for the customer
        finally:
            placed.set()
            connections.close_all()

    competitor = threading.Thread(target=intake)
    competitor.start()
    try:
        assert placed.wait(20)
        with pytest.raises(privacy.ErasureRefusedError) as refused:
            privacy.erase_customer(customer_id, by="agent")
    finally:
        competitor.join(20)

    assert result["waited"], "the erasure did not wait for the order in flight"
    assert any(result["order"].number in reason for reason in refused.value.reasons)
    customer = Customer.objects.get(pk=customer_id)
    assert (customer.email, customer.name) == (EMAIL, NAME)
    assert Order.objects.get(pk=result["order"].pk).shipping_name == NAME
    assert Order.objects.get(pk=old_order.pk).shipping_name == NAME


def test_an_erasure_during_a_claims_free_reshipment_waits_for_it_and_is_refused_naming_the_replacement(
    monkeypatch, support_user
):
    """The re-shipment locks the claimed order, then intake locks the customer; the erasure takes
    the same locks in the same order, so the two wait for each other instead of deadlocking."""
    import datetime

    from django.utils import timezone

    from fulfillment.services.tracking import record_tracking_event_by_hand
    from orders.services.intake import place_order
    from returns.services import claims
    from tests.billing.flows import ship
    from tests.reliability import ordering

    channel = ordering.make_channel("web")
    ordering.make_warehouse()
    ordering.make_product("GDPR-C3", units=10)
    order = place_order(channel=channel, draft=_draft({"GDPR-C3": 2})).order
    shipment = ship(order, {"GDPR-C3": 2}, user=support_user)
    record_tracking_event_by_hand(
        shipment=shipment, state="delivered", occurred_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    claim = claims.open_claim(shipment, "damaged", {order.lines.get().pk: 1}, by=support_user)
    real = claims.place_replacement_order
    locked, result = threading.Event(), {}

    def replacement_after_a_pause(*args, **kwargs):
        locked.set()  # the claimed order is locked
        result["waited"] = _someone_waits_for_me()
        return real(*args, **kwargs)

    monkeypatch.setattr(claims, "place_replacement_order", replacement_after_a_pause)

    def reshipment() -> None:
        try:
            result["claim"] = claims.resolve_by_reshipment(claim, by=support_user)
        except Exception as exc:
            result["error"] = exc
        finally:
            locked.set()
            connections.close_all()

    competitor = threading.Thread(target=reshipment)
    competitor.start()
    try:
        assert locked.wait(20)
        with pytest.raises(privacy.ErasureRefusedError) as refused:
            privacy.erase_customer(order.customer_id, by="agent")
    finally:
        competitor.join(30)

    assert "error" not in result and result["waited"], "the erasure did not wait for the re-shipment"
    replacement = result["claim"].replacement_order
    assert replacement.customer_id == order.customer_id
    assert any(replacement.number in reason for reason in refused.value.reasons)
    assert Customer.objects.get(pk=order.customer_id).email == EMAIL
