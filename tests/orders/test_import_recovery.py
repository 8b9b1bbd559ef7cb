"""A CSV order import whose worker died is resumed by the sweep where it stopped: every order
exactly once, the counters exact; a run taken over stops without writing; an import that keeps
losing its worker ends failed with a message saying so; a long import is placed in slices, each
run handing over to the next before the task time limit.

The death of the worker is injected in-process here (an exception no handler catches, raised
while an order is being placed, as a SIGKILL would end the run); the same story with a real
worker process killed by SIGKILL is ``tests/reliability/test_worker_killed.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, OrderImport, OrderImportStatus
from orders.services import imports
from orders.services.imports import create_order_import, run_order_import
from orders.tasks import import_orders_csv_task, sweep_order_imports_task
from tests.orders.support_fixtures import *  # noqa: F403  (fixtures)

# The clock stands still: "5 seconds short of stale" stays so however slow the machine is.
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(datetime(2026, 11, 23, 9, 0, tzinfo=UTC), tick=False)]

HEADER = (
    "external_id,customer_email,customer_name,ship_name,ship_street,ship_postcode,ship_city,ship_country,"
    "sku,quantity,unit_price\n"
)
# Five orders, seven rows: have two lines each.
ROWS = [
    "R-1,anna@example.com,Anna Schmidt,Anna Schmidt,Lindenstr. 5,10115,Berlin,DE,MUG-WHT,1,12.50",
    "R-2,bob@example.com,Bob Meier,Bob Meier,Hauptstr. 1,80331,München,DE,MUG-WHT,1,12.50",
    "R-2,bob@example.com,Bob Meier,Bob Meier,Hauptstr. 1,80331,München,DE,SHIRT-BLK-M,1,24.90",
    "R-3,carl@example.com,Carl Wolf,Carl Wolf,Weg 2,20095,Hamburg,DE,SHIRT-BLK-M,2,24.90",
    "R-4,dora@example.com,Dora Kern,Dora Kern,Ring 9,50667,Köln,DE,MUG-WHT,1,12.50",
    "R-4,dora@example.com,Dora Kern,Dora Kern,Ring 9,50667,Köln,DE,SHIRT-BLK-M,1,24.90",
    "R-5,emil@example.com,Emil Roth,Emil Roth,Allee 3,04109,Leipzig,DE,MUG-WHT,2,12.50",
]
CSV = HEADER + "\n".join(ROWS) + "\n"


class WorkerDied(BaseException):
    """Ends the run the way a SIGKILL does: no handler of the import catches it."""


@pytest.fixture
def order_import(catalogue, webshop) -> OrderImport:
    upload = SimpleUploadedFile("orders.csv", CSV.encode(), content_type="text/csv")
    return create_order_import(upload=upload, channel=webshop, user=None)


def _die_while_placing(monkeypatch, *, order_number: int) -> None:
    """The worker dies while placing the ``order_number``-th order (its transaction is lost)."""
    real = imports.place_import_order
    calls = []

    def place(**kwargs):
        calls.append(kwargs["draft"].external_id)
        result = real(**kwargs)
        if len(calls) == order_number:
            raise WorkerDied
        return result

    monkeypatch.setattr(imports, "place_import_order", place)


def _heartbeat_stops(order_import: OrderImport, seconds: float) -> None:
    """As if ``seconds`` passed since the run's last sign of life."""
    OrderImport.objects.filter(pk=order_import.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=seconds))


def test_an_import_whose_worker_died_is_resumed_by_the_sweep_and_places_every_order_once(
    order_import, monkeypatch, settings
):
    _die_while_placing(monkeypatch, order_number=3)
    with pytest.raises(WorkerDied):
        run_order_import(import_id=order_import.pk)
    order_import.refresh_from_db()
    # What the dead run left: two orders (three rows) committed with their counters, R-3 lost.
    assert (order_import.status, order_import.attempts) == (OrderImportStatus.RUNNING, 1)
    assert (order_import.processed, order_import.created, order_import.total) == (3, 2, 7)
    assert set(Order.objects.values_list("external_id", flat=True)) == {"R-1", "R-2"}
    monkeypatch.undo()

    # While the heartbeat is fresh, the sweep leaves it alone (the run may be alive).
    _heartbeat_stops(order_import, settings.ORDER_IMPORT_STALE_SECONDS - 5)
    assert sweep_order_imports_task.apply().result == 0
    # Once it is stale, the sweep queues the import again (eager here: it runs at once) and the
    # next run resumes after R-2.
    _heartbeat_stops(order_import, settings.ORDER_IMPORT_STALE_SECONDS + 1)
    assert sweep_order_imports_task.apply().result == 1

    order_import.refresh_from_db()
    assert order_import.status == OrderImportStatus.DONE, order_import.errors
    assert (order_import.processed, order_import.created, order_import.existing) == (7, 5, 0)
    assert order_import.attempts == 2
    assert sorted(Order.objects.values_list("external_id", flat=True)) == ["R-1", "R-2", "R-3", "R-4", "R-5"]
    assert Order.objects.get(external_id="R-4").lines.count() == 2
    # The dead worker's own message, delivered again later, finds the import done.
    assert import_orders_csv_task.apply(args=[order_import.pk]).result == OrderImportStatus.DONE
    assert Order.objects.count() == 5


def test_a_second_delivery_while_the_run_is_alive_does_nothing(order_import, monkeypatch):
    _die_while_placing(monkeypatch, order_number=2)
    with pytest.raises(WorkerDied):
        run_order_import(import_id=order_import.pk)
    monkeypatch.undo()

    # Heartbeat fresh: the run is taken for alive, a duplicate task leaves the import to it.
    assert run_order_import(import_id=order_import.pk).status == OrderImportStatus.RUNNING
    order_import.refresh_from_db()
    assert (order_import.attempts, order_import.created) == (1, 1)
    assert Order.objects.count() == 1


def test_a_run_taken_over_by_another_stops_and_rolls_back_the_order_it_was_placing(order_import, monkeypatch):
    """A run whose heartbeat went stale while it was only slow: the sweep and a new run took over
    (attempts moved on). Its next write fails, so its current order is rolled back, not doubled."""
    real = imports.place_import_order
    calls = []

    def place(**kwargs):
        calls.append(1)
        if len(calls) == 2:  # meanwhile another run claims the import
            OrderImport.objects.filter(pk=order_import.pk).update(attempts=F("attempts") + 1)
        return real(**kwargs)

    monkeypatch.setattr(imports, "place_import_order", place)
    run_order_import(import_id=order_import.pk)

    order_import.refresh_from_db()
    assert len(calls) == 2
    assert list(Order.objects.values_list("external_id", flat=True)) == ["R-1"]
    assert (order_import.status, order_import.processed, order_import.created) == (OrderImportStatus.RUNNING, 1, 1)


def test_an_import_that_keeps_losing_its_worker_ends_failed_saying_so(
    order_import, monkeypatch, settings, support_client
):
    for attempt in range(1, settings.ORDER_IMPORT_MAX_ATTEMPTS + 1):
        _die_while_placing(monkeypatch, order_number=1)
        with pytest.raises(WorkerDied):
            if attempt == 1:
                run_order_import(import_id=order_import.pk)
            else:
                sweep_order_imports_task.apply(throw=True)
        monkeypatch.undo()
        _heartbeat_stops(order_import, settings.ORDER_IMPORT_STALE_SECONDS + 1)
        # Each run died placing its first order: nothing placed yet.
        assert OrderImport.objects.get(pk=order_import.pk).attempts == attempt

    assert sweep_order_imports_task.apply().result == 1
    order_import.refresh_from_db()
    assert order_import.status == OrderImportStatus.FAILED
    assert order_import.finished_at is not None
    [error] = order_import.errors
    assert error["message"].startswith(f"The import was interrupted {settings.ORDER_IMPORT_MAX_ATTEMPTS} times")
    assert Order.objects.count() == 0
    # The page stops polling and shows why.
    page = support_client.get(reverse("orders:support-order-import-detail", args=[order_import.pk]))
    assert "the worker running it stopped" in page.content.decode()
    assert 'hx-trigger="every 1s"' not in page.content.decode()


def test_a_waiting_import_whose_task_was_lost_is_queued_again(order_import, settings):
    # The upload committed, its task never reached a worker (lost with a Redis restart).
    _heartbeat_stops(order_import, settings.ORDER_IMPORT_STALE_SECONDS + 1)

    assert sweep_order_imports_task.apply().result == 1

    order_import.refresh_from_db()
    assert (order_import.status, order_import.created, order_import.attempts) == (OrderImportStatus.DONE, 5, 1)


def test_finished_imports_are_never_swept(order_import, settings):
    run_order_import(import_id=order_import.pk)
    _heartbeat_stops(order_import, settings.ORDER_IMPORT_STALE_SECONDS + 1)

    assert sweep_order_imports_task.apply().result == 0
    assert OrderImport.objects.get(pk=order_import.pk).attempts == 1


def test_a_long_import_is_placed_in_slices_each_run_handing_over_to_the_next(order_import, settings, caplog):
    settings.ORDER_IMPORT_SLICE_SECONDS = 0  # every run has used its slice after one order

    import_orders_csv_task.apply(args=[order_import.pk])

    order_import.refresh_from_db()
    assert order_import.status == OrderImportStatus.DONE, order_import.errors
    assert (order_import.processed, order_import.created, order_import.existing) == (7, 5, 0)
    assert order_import.attempts == 1  # a handover is not an interruption
    assert sorted(Order.objects.values_list("external_id", flat=True)) == ["R-1", "R-2", "R-3", "R-4", "R-5"]
    handovers = [r for r in caplog.records if "continues in a new task" in r.getMessage()]
    assert len(handovers) == 4  # five runs, one order each


def test_the_soft_time_limit_hands_the_import_over_instead_of_failing_it(order_import, monkeypatch):
    """Celery raises SoftTimeLimitExceeded in the task when its soft limit passes: the order being
    placed is rolled back and the next task places it."""
    real = imports.place_import_order
    calls = []

    def place(**kwargs):
        calls.append(kwargs["draft"].external_id)
        if len(calls) == 3:
            raise SoftTimeLimitExceeded
        return real(**kwargs)

    monkeypatch.setattr(imports, "place_import_order", place)

    import_orders_csv_task.apply(args=[order_import.pk])

    order_import.refresh_from_db()
    assert order_import.status == OrderImportStatus.DONE, order_import.errors
    assert calls == ["R-1", "R-2", "R-3", "R-3", "R-4", "R-5"]
    assert (order_import.created, order_import.existing, order_import.attempts) == (5, 0, 1)
    assert Order.objects.count() == 5


def test_a_file_whose_check_outlasts_the_time_limit_fails_saying_to_split_it(order_import, monkeypatch):
    """Nothing placed yet, so a next run would only check the file again: it ends failed."""
    real = imports.build_draft
    calls = []

    def build(order, **kwargs):
        calls.append(order.external_id)
        if len(calls) == 4:
            raise SoftTimeLimitExceeded
        return real(order, **kwargs)

    monkeypatch.setattr(imports, "build_draft", build)

    import_orders_csv_task.apply(args=[order_import.pk])

    order_import.refresh_from_db()
    assert order_import.status == OrderImportStatus.FAILED
    assert [e["message"] for e in order_import.errors] == [
        "Checking the file took longer than an import may run. Split it into smaller files."
    ]
    assert Order.objects.count() == 0
