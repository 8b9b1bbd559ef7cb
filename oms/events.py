"""Domain events: how a lower app makes a higher one act without importing it.

``publish("stock.received", {...})`` inside a service; subscribers registered with
``subscribe("stock.received", handler)`` in their app's ``AppConfig.ready()`` run after the
surrounding transaction commits, and never if it rolls back. Payloads are JSON-safe dicts of
primary keys and values, so a subscriber can hand them to a Celery task unchanged.

Subscribers run in-process, one after the other. A subscriber that fails is logged and does not
stop the others: the change that published the event is already committed. Work that must not
be lost (mail, webhooks, PDFs) goes through the outbox (``oms.outbox``), not a bare subscriber.

For that work an app registers with ``subscribe_in_transaction(name, handler)`` instead: the
handler runs inside ``publish()``, in the publisher's transaction, so the outbox rows it writes
commit or roll back with the change they report (a crash after commit cannot lose them). Such a
handler only records (an outbox row, a mail row); it sends nothing and must be quick. It is not
isolated: its error is the publisher's error, and the change rolls back with it, as it would
if the publisher had written the row itself.
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)

Payload = dict[str, Any]
Handler = Callable[[Payload], None]

EVENT_NAME = re.compile(r"^[a-z_]+\.[a-z_]+$")

_subscribers: dict[str, list[Handler]] = defaultdict(list)
_in_transaction: dict[str, list[Handler]] = defaultdict(list)


def subscribe(name: str, handler: Handler) -> None:
    """Register ``handler`` for event ``name``; call from ``AppConfig.ready()``. Idempotent."""
    _check_name(name)
    if handler not in _subscribers[name]:
        _subscribers[name].append(handler)


def subscribe_in_transaction(name: str, handler: Handler) -> None:
    """Register ``handler`` to run inside ``publish()``, in the publisher's transaction (see the
    module docstring); call from ``AppConfig.ready()``. Idempotent."""
    _check_name(name)
    if handler not in _in_transaction[name]:
        _in_transaction[name].append(handler)


def unsubscribe(name: str, handler: Handler) -> None:
    if handler in _subscribers.get(name, []):
        _subscribers[name].remove(handler)
    if handler in _in_transaction.get(name, []):
        _in_transaction[name].remove(handler)


def subscribers(name: str) -> list[Handler]:
    return list(_subscribers.get(name, []))


def publish(name: str, payload: Payload, *, using: str | None = None) -> None:
    """Dispatch ``name`` to its subscribers once the current transaction commits (its
    in-transaction subscribers run now, before this returns).

    Outside a transaction (autocommit) the subscribers run at once. The payload must be
    JSON-serialisable; it is checked here so a bad payload fails in the publisher's tests.
    """
    _check_name(name)
    json.dumps(payload)
    for handler in _in_transaction.get(name, ()):
        # No savepoint: inside a transaction this is free; in autocommit the rows still go together.
        with transaction.atomic(using=using, savepoint=False):
            handler(payload)
    transaction.on_commit(lambda: dispatch_now(name, payload), using=using)


def dispatch_now(name: str, payload: Payload) -> None:
    """Run the subscribers of ``name`` now. Only for code that already runs after commit."""
    for handler in subscribers(name):
        try:
            handler(payload)
        except Exception:
            logger.exception("Subscriber %s of event %s failed", _handler_name(handler), name)


def _check_name(name: str) -> None:
    if not EVENT_NAME.match(name):
        raise ValueError(f"Event names are 'noun.past_tense_verb', got {name!r}")


def _handler_name(handler: Handler) -> str:
    return f"{getattr(handler, '__module__', '?')}.{getattr(handler, '__qualname__', repr(handler))}"
