"""Retention periods: a nightly job removes or anonymises what has been kept long enough.

Each app registers its rules from ``AppConfig.ready()`` (``oms`` imports no app)::

    retention.register("invoices", purge=anonymise_expired_invoices)

``purge(cutoff)`` removes (or anonymises) the records of its kind older than ``cutoff`` and
answers how many it touched; it runs inside the job's transaction. The periods are settings
(``RETENTION_PERIODS``, one per rule name): ``{"years": 8}`` counts whole calendar years from the
end of the year a record belongs to, as §14b UStG and §147 AO do (an invoice of 2016 is kept
until 31 December 2024 and goes on 1 January 2025); ``{"days": 90}`` counts days back from the
run's date. ``enforce_retention(as_of=...)`` takes the date in, so it never depends on the clock;
the beat task passes today. What a run removed, per rule, with the cut-off dates, is written to
the privacy audit log (``oms.models.PrivacyAuditEntry``), visible to admins.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from oms import privacy


@dataclass(frozen=True)
class Rule:
    name: str
    purge: Callable[[datetime.datetime], int]
    period: str  # the key of RETENTION_PERIODS (several rules may share one, e.g. "books")


_rules: dict[str, Rule] = {}


def register(name: str, *, purge: Callable[[datetime.datetime], int], period: str = "") -> None:
    """Register the retention rule ``name``; its period is ``RETENTION_PERIODS[period or name]``."""
    _rules[name] = Rule(name, purge, period or name)


def rules() -> list[Rule]:
    return [_rules[name] for name in sorted(_rules)]


def period(name: str) -> dict[str, int]:
    try:
        value = settings.RETENTION_PERIODS[name]
    except KeyError:
        raise ImproperlyConfigured(f"RETENTION_PERIODS has no period for {name!r}") from None
    if set(value) not in ({"years"}, {"days"}) or int(next(iter(value.values()))) < 0:
        raise ImproperlyConfigured(f"RETENTION_PERIODS[{name!r}] must be {{'years': n}} or {{'days': n}}")
    return {key: int(n) for key, n in value.items()}


def cutoff(name: str, as_of: datetime.date) -> datetime.datetime:
    """The moment before which records of rule ``name`` have expired on ``as_of`` (aware, in the
    business time zone): records strictly older go."""
    spec = period(name)
    if "years" in spec:
        day = datetime.date(as_of.year - spec["years"], 1, 1)
    else:
        day = as_of - datetime.timedelta(days=spec["days"])
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def enforce_retention(*, as_of: datetime.date) -> dict[str, int]:
    """Run every rule for ``as_of``, in one transaction; record and answer what each removed."""
    from oms.models import PrivacyAuditEntry

    removed: dict[str, int] = {}
    cutoffs: dict[str, str] = {}
    # Immutable rows (issued invoices, declarations of withdrawal) accept the change only in erasure mode.
    with privacy.erasure_mode():
        for rule in rules():
            moment = cutoff(rule.period, as_of)
            cutoffs[rule.name] = moment.date().isoformat()
            removed[rule.name] = rule.purge(moment)
        PrivacyAuditEntry.objects.create(
            action=PrivacyAuditEntry.Action.RETENTION, removed=removed, cutoffs={"as_of": as_of.isoformat(), **cutoffs}
        )
    return removed


@shared_task(acks_late=True, ignore_result=True)
def enforce_retention_task() -> dict[str, Any]:
    """Nightly (beat): the retention rules for today's business date. Running it twice on one day
    removes nothing more the second time."""
    return enforce_retention(as_of=timezone.localdate())


# --- the rules of ``oms`` itself ------------------------------------------------------------------


def _purge_mails(before: datetime.datetime) -> int:
    from oms.models import CustomerMail, MailStatus

    return (
        CustomerMail.objects.filter(created_at__lt=before)
        .exclude(status=MailStatus.PENDING)
        .delete()[1]
        .get("oms.CustomerMail", 0)
    )


def _purge_access_log(before: datetime.datetime) -> int:
    from oms.models import CustomerDataAccess

    return CustomerDataAccess.objects.filter(at__lt=before).delete()[0]


def _purge_webhook_deliveries(before: datetime.datetime) -> int:
    from oms.models import WebhookDelivery, WebhookDeliveryStatus

    deleted = WebhookDelivery.objects.filter(created_at__lt=before).exclude(status=WebhookDeliveryStatus.PENDING)
    return deleted.delete()[1].get("oms.WebhookDelivery", 0)


def _purge_outbox(before: datetime.datetime) -> int:
    from oms.models import OutboxMessage, OutboxStatus

    return OutboxMessage.objects.filter(created_at__lt=before).exclude(status=OutboxStatus.PENDING).delete()[0]


def _purge_login_records(before: datetime.datetime) -> int:
    """Staff logins and failed attempts with their IP addresses (django-axes)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    return (
        AccessLog.objects.filter(attempt_time__lt=before).delete()[0]
        + AccessFailureLog.objects.filter(attempt_time__lt=before).delete()[0]
        + AccessAttempt.objects.filter(attempt_time__lt=before).delete()[0]
    )


def register_core_rules() -> None:
    register("mail_log", purge=_purge_mails)
    register("access_log", purge=_purge_access_log)
    register("webhook_deliveries", purge=_purge_webhook_deliveries)
    register("outbox", purge=_purge_outbox)
    register("login_records", purge=_purge_login_records)
