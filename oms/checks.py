"""System checks of ``oms``: those ``manage.py check --deploy`` runs against the database, and the
Celery settings that decide how work held by a dead worker comes back.

With debug off (production) the demo password must not open any account: ``seed_demo`` in demo
mode gives the demo users the password "demo", and a database that ever ran it must not go live.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import checks
from django.db import DatabaseError
from django.db.models import Q

from oms.celery import OmsTask
from oms.demo import DEMO_PASSWORD, DEMO_USERS


@checks.register(checks.Tags.security, deploy=True)
def check_no_demo_password(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Error ``oms.E001`` for every active user, among the demo users and the staff, whose password
    is the demo password. Skipped with debug on, and when the database cannot be read yet (not
    migrated, unreachable): a database without tables has no demo users."""
    if settings.DEBUG:
        return []
    User = get_user_model()
    try:
        # The demo users, and the staff (who could have been given the demo password by hand);
        # checking a password costs a full hash, so not every customer account.
        users = list(
            User.objects.filter(Q(username__in=list(DEMO_USERS)) | Q(is_staff=True) | Q(is_superuser=True))
            .filter(is_active=True)
            .order_by("pk")[:200]
        )
    except DatabaseError:
        return []
    return [
        checks.Error(
            f"User “{user.get_username()}” has the demo password.",
            hint="Set a real password (manage.py changepassword) or deactivate the user; "
            "demo data never belongs on a production database.",
            obj=user.get_username(),
            id="oms.E001",
        )
        for user in users
        if user.has_usable_password() and user.check_password(DEMO_PASSWORD)
    ]


@checks.register("celery")
def check_worker_recovery_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Errors for Celery and import settings that would run a task twice or resume a live import:
    ``oms.E020`` when the broker's visibility timeout does not exceed the longest a reserved task
    can wait in a live worker (the retry backoff cap plus two task time limits: waiting for a free
    process, then running), ``oms.E021`` when an import's heartbeat could go stale while its run
    is alive (the stale period must be at least three heartbeats), ``oms.E022`` when an import's
    time slice does not end before the task's soft time limit."""
    found: list[checks.CheckMessage] = []
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)
    longest_wait = OmsTask.retry_backoff_max + 2 * settings.CELERY_TASK_TIME_LIMIT
    if visibility <= longest_wait:
        found.append(
            checks.Error(
                f"The broker's visibility timeout ({visibility} s) must exceed {longest_wait} s "
                "(retry backoff cap plus twice the task time limit), or a delayed task runs twice.",
                hint="Raise CELERY_VISIBILITY_TIMEOUT or lower CELERY_TASK_TIME_LIMIT.",
                id="oms.E020",
            )
        )
    if settings.ORDER_IMPORT_STALE_SECONDS < 3 * settings.ORDER_IMPORT_HEARTBEAT_SECONDS:
        found.append(
            checks.Error(
                "ORDER_IMPORT_STALE_SECONDS must be at least three ORDER_IMPORT_HEARTBEAT_SECONDS, or the "
                "sweep resumes imports whose run is alive.",
                id="oms.E021",
            )
        )
    if settings.ORDER_IMPORT_SLICE_SECONDS >= settings.CELERY_TASK_SOFT_TIME_LIMIT:
        found.append(
            checks.Error(
                "ORDER_IMPORT_SLICE_SECONDS must be shorter than CELERY_TASK_SOFT_TIME_LIMIT, or long imports "
                "run into the time limit instead of handing over.",
                id="oms.E022",
            )
        )
    return found
