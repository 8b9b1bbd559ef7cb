from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from oms import outbox
from oms.models import OutboxMessage, OutboxStatus
from oms.outbox import sweep_outbox_task


@pytest.fixture
def flaky_receiver():
    """A receiver that fails the first ``fail_times`` deliveries and records keys it accepted."""
    state = {"fail_times": 0, "seen": []}

    def deliver(message):
        if state["fail_times"] > 0:
            state["fail_times"] -= 1
            raise ConnectionError("receiver down")
        if str(message.key) not in state["seen"]:
            state["seen"].append(str(message.key))

    outbox.register_handler("test-hook", deliver)
    return state


def mail_payload(subject="Ihre Bestellung"):
    return {"to": ["kunde@example.de"], "subject": subject, "body": "Danke!"}


@pytest.mark.django_db(transaction=True)
def test_mail_is_sent_only_after_commit_and_marked_delivered():
    with transaction.atomic():
        message = outbox.enqueue("mail", mail_payload())
        assert mail.outbox == []
    assert [m.subject for m in mail.outbox] == ["Ihre Bestellung"]
    assert mail.outbox[0].extra_headers["X-OMS-Idempotency-Key"] == str(message.key)
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED
    assert message.attempts == 1


@pytest.mark.django_db(transaction=True)
def test_rolled_back_change_leaves_no_message_and_sends_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue("mail", mail_payload())
        raise RuntimeError("order rejected")
    assert OutboxMessage.objects.count() == 0
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.time_machine(datetime(2026, 11, 23, 9, 0, tzinfo=UTC), tick=False)
def test_failed_delivery_is_retried_by_the_sweep_once_its_backoff_has_passed(flaky_receiver, settings, time_machine):
    settings.OUTBOX_SWEEP_GRACE_SECONDS = 0
    flaky_receiver["fail_times"] = 1
    message = outbox.enqueue("test-hook", {"n": 1})
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert "receiver down" in message.last_error
    assert message.next_attempt_at == timezone.now() + timedelta(seconds=30)  # the first backoff

    # Not yet due: the sweep leaves it alone until the backoff has passed.
    time_machine.shift(timedelta(seconds=29))
    assert sweep_outbox_task() == 0
    time_machine.shift(timedelta(seconds=1))
    assert sweep_outbox_task() == 1

    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED
    assert message.attempts == 2
    assert flaky_receiver["seen"] == [str(message.key)]
    # A second sweep and a duplicate task change nothing.
    assert sweep_outbox_task() == 0
    assert outbox.deliver(message.pk) is None
    assert flaky_receiver["seen"] == [str(message.key)]


@pytest.mark.django_db(transaction=True)
def test_message_gives_up_after_max_attempts(flaky_receiver, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    flaky_receiver["fail_times"] = 5
    message = outbox.enqueue("test-hook", {"n": 2})
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    outbox.deliver(message.pk)
    message.refresh_from_db()
    assert message.status == OutboxStatus.FAILED
    assert message.attempts == 2


@pytest.mark.django_db(transaction=True)
def test_broker_outage_at_commit_keeps_the_message_for_the_sweep(monkeypatch, settings):

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("redis is away")

    monkeypatch.setattr(outbox.deliver_outbox_message_task, "apply_async", broker_down)
    message = outbox.enqueue("mail", mail_payload("Versandbestätigung"))
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert mail.outbox == []

    monkeypatch.undo()
    settings.OUTBOX_SWEEP_GRACE_SECONDS = 0
    assert sweep_outbox_task() == 1
    assert [m.subject for m in mail.outbox] == ["Versandbestätigung"]


def test_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="No outbox handler"):
        outbox.enqueue("carrier-pigeon", {})
