import pytest
from django.db import transaction

from oms import events


@pytest.fixture
def received():
    calls = []

    def handler(payload):
        calls.append(payload)

    events.subscribe("thing.happened", handler)
    yield calls
    events.unsubscribe("thing.happened", handler)


@pytest.mark.django_db(transaction=True)
def test_subscribers_run_only_after_the_transaction_commits(received):
    with transaction.atomic():
        events.publish("thing.happened", {"id": 1})
        assert received == []
    assert received == [{"id": 1}]


@pytest.mark.django_db(transaction=True)
def test_nothing_is_dispatched_when_the_transaction_rolls_back(received):
    with pytest.raises(RuntimeError), transaction.atomic():
        events.publish("thing.happened", {"id": 2})
        raise RuntimeError("boom")
    assert received == []


@pytest.mark.django_db(transaction=True)
def test_a_failing_subscriber_does_not_stop_the_others(received, caplog):
    def broken(payload):
        raise ValueError("subscriber bug")

    events.subscribe("thing.happened", broken)
    try:
        with transaction.atomic():
            events.publish("thing.happened", {"id": 3})
    finally:
        events.unsubscribe("thing.happened", broken)
    assert received == [{"id": 3}]
    assert "subscriber bug" in caplog.text


def test_event_names_and_payloads_are_checked():
    with pytest.raises(ValueError, match=r"noun\.past_tense_verb"):
        events.publish("NotAnEvent", {})
    with pytest.raises(TypeError):
        events.publish("thing.happened", {"when": object()})
