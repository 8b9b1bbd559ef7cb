"""The Celery settings that decide how work held by a dead worker comes back, and the guard that
stops a task which kills its worker every time from coming back for ever."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings

from oms.celery import OmsTask
from oms.checks import check_worker_recovery_settings
from oms.outbox import sweep_outbox_task


def test_a_reserved_message_waits_less_than_the_visibility_timeout_so_it_never_runs_twice():
    """A retry waits in the worker (ETA) up to the backoff cap, then for a free process (at most
    one task time limit), then runs (at most another): all of it within the visibility timeout,
    or Redis would hand the same message to a second worker meanwhile."""
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    longest_wait = OmsTask.retry_backoff_max + 2 * settings.CELERY_TASK_TIME_LIMIT
    assert longest_wait < visibility
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT
    # And it is short enough that what a dead worker held comes back within minutes.
    assert visibility <= 15 * 60


def test_the_system_check_refuses_a_visibility_timeout_that_would_run_a_delayed_task_twice(settings):
    assert check_worker_recovery_settings() == []
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {**settings.CELERY_BROKER_TRANSPORT_OPTIONS, "visibility_timeout": 600}
    settings.ORDER_IMPORT_STALE_SECONDS = 20
    settings.ORDER_IMPORT_SLICE_SECONDS = settings.CELERY_TASK_SOFT_TIME_LIMIT

    assert [error.id for error in check_worker_recovery_settings()] == ["oms.E020", "oms.E021", "oms.E022"]


def test_a_dead_workers_messages_are_looked_for_every_half_minute():
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert options["unacked_restore_interval"] * options["unacked_restore_throttle"] <= 30
    assert options["unacked_mutex_expire"] <= 60
    assert settings.CELERY_TASK_ACKS_LATE and settings.CELERY_TASK_REJECT_ON_WORKER_LOST


@pytest.mark.django_db
def test_a_task_delivered_again_and_again_is_dropped_after_max_deliveries():
    """Each delivery of the same run (same task id, same retry) counts; a message whose worker
    died every time is run ``max_deliveries`` times and then dropped, not re-queued for ever."""
    task_id = f"test-{uuid.uuid4()}"
    states = [sweep_outbox_task.apply(task_id=task_id).state for _ in range(OmsTask.max_deliveries + 2)]
    assert states == ["SUCCESS"] * OmsTask.max_deliveries + ["REJECTED"] * 2
    # Another run of the same task is not affected.
    assert sweep_outbox_task.apply(task_id=f"test-{uuid.uuid4()}").state == "SUCCESS"
