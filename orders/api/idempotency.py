"""``Idempotency-Key`` for order intake (IETF httpapi draft "The Idempotency-Key HTTP Header Field").

Contract, as published in the API description:

- The key is any string of 1-255 printable ASCII characters, chosen by the client (a UUID is
  best), scoped to the client's channel. It is optional: without it a request is still accepted,
  and a repeated order is still caught by ``external_id``, unique per channel.
- Same key, same body (compared as canonical JSON, so key order and whitespace do not matter):
  the first response is replayed with status 200 and the header ``Idempotent-Replayed: true``.
- Same key, different body: 422 ``idempotency_key_reused``.
- Same key while the first request is still being processed: 409 ``idempotency_key_in_flight``
  with ``Retry-After``.
- A request that is refused (4xx) or fails does not use its key up: the key is released, so the
  corrected request may be sent again with it.
- Keys are kept at least 24 hours (``KEY_RETENTION``); ``purge_idempotency_keys`` removes older ones.

How exactly one order comes out of any number of concurrent duplicates: the whole request runs
in one transaction whose first statement takes a transaction-scoped advisory lock on (channel,
key) with ``pg_try_advisory_xact_lock``, which never waits, and reads the key's row. A request
that does not get the lock answers 409 at once: another one with the key is running. The holder
replays or refuses a completed key, or places the order and stores the completed key row with
the response in the same transaction: the order and the key commit together or not at all, and a
failure rolls both back, which releases the key. One transaction and one commit per order, no
claim row committed ahead (on SQLite, which runs one writing transaction at a time, no lock is
needed).

The row is read in the statement that takes the lock, so its snapshot can be a moment older than
the lock: a request that gets the lock just as the previous holder commits may not see that
holder's row. The unique (channel, key) constraint catches it when it stores its own row; the
transaction rolls back (no second order) and the request runs once more, now seeing the row and
replaying it. The same second run answers a lost race on the order's (channel, external_id).

A row still ``in_progress`` comes from the earlier two-step claim (or an admin): while it is young
it counts as in flight, after ``IN_FLIGHT_TIMEOUT`` it is taken over.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oms.exceptions import ConflictError, DomainError
from orders.error_codes import OrderErrorCode
from orders.models import Channel, IdempotencyKey, IdempotencyState, Order

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
KEY_RETENTION = datetime.timedelta(hours=24)
# A claim older than this whose request is evidently gone (crashed worker) may be taken over.
IN_FLIGHT_TIMEOUT = datetime.timedelta(seconds=60)
RETRY_AFTER_SECONDS = 1


class InvalidIdempotencyKey(DomainError):
    code = OrderErrorCode.INVALID_IDEMPOTENCY_KEY
    http_status = 400


class IdempotencyKeyReused(DomainError):
    code = OrderErrorCode.IDEMPOTENCY_KEY_REUSED
    http_status = 422


class IdempotencyKeyInFlight(ConflictError):
    code = OrderErrorCode.IDEMPOTENCY_KEY_IN_FLIGHT
    http_status = 409


@dataclass(frozen=True)
class StoredResponse:
    """What the endpoint answers: the status, the JSON body, and whether it is a replay."""

    status: int
    body: dict[str, Any]
    replayed: bool = False


# 1-255 printable ASCII characters, spaces only inside (HTTP drops them at either end anyway).
KEY_PATTERN = re.compile(r"^[!-~](?:[ -~]{0,253}[!-~])?$")


def validate_key(raw: str) -> str:
    """The key from the header, or ``InvalidIdempotencyKey`` (400) unless it matches ``KEY_PATTERN``."""
    key = raw
    if not KEY_PATTERN.fullmatch(key):
        raise InvalidIdempotencyKey(
            _("The Idempotency-Key header must be 1 to %(max)d printable ASCII characters.") % {"max": MAX_KEY_LENGTH}
        )
    return key


def fingerprint(data: Any) -> str:
    """SHA-256 of the request body as canonical JSON (sorted keys, no whitespace)."""
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(record: IdempotencyKey) -> StoredResponse:
    # The first answer was 201 Created; a replay creates nothing, so it is 200 with the same body.
    status = 200 if record.response_status == 201 else (record.response_status or 200)
    return StoredResponse(status=status, body=record.response_body or {}, replayed=True)


def _lock_id(channel: Channel, key: str) -> int:
    """The advisory lock number of (channel, key): 64 bits of a SHA-256, as PostgreSQL's signed bigint."""
    digest = hashlib.sha256(f"orders.idempotency:{channel.pk}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _in_flight(key: str) -> IdempotencyKeyInFlight:
    return IdempotencyKeyInFlight(
        _("A request with this Idempotency-Key is still being processed. Retry in a moment."),
        data={"idempotency_key": key, "retry_after": RETRY_AFTER_SECONDS},
    )


_KEY_TABLE = IdempotencyKey._meta.db_table
_KEY_FIELDS = ("id", "fingerprint", "state", "response_status", "response_body", "created_at")


def _lock_and_read(channel: Channel, key: str) -> tuple[bool, IdempotencyKey | None]:
    """Take the key's lock until the end of the current transaction (False if another request
    holds it) and read its row, in one statement."""
    if connection.vendor != "postgresql":
        # SQLite runs one writing transaction at a time (IMMEDIATE): nobody else is in flight.
        return True, IdempotencyKey.objects.filter(channel=channel, key=key).order_by().first()
    columns = ", ".join(f"k.{name}" for name in _KEY_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT pg_try_advisory_xact_lock(%s), {columns} FROM (SELECT 1) AS one "
            f"LEFT JOIN {_KEY_TABLE} AS k ON k.channel_id = %s AND k.key = %s",
            [_lock_id(channel, key), channel.pk, key],
        )
        locked, *values = cursor.fetchone()
    if values[0] is None:
        return bool(locked), None
    row = dict(zip(_KEY_FIELDS, values, strict=True))
    body = row["response_body"]
    row["response_body"] = json.loads(body) if isinstance(body, str) else body
    return bool(locked), IdempotencyKey(channel=channel, key=key, **row)


def claim_key(*, channel: Channel, key: str, request_fingerprint: str) -> IdempotencyKey | StoredResponse | None:
    """Inside ``run_once``'s transaction: lock the key, and say what to do with it: the stored
    response to replay, an abandoned row to take over, or None for a new key.

    Raises ``IdempotencyKeyReused`` (other body) or ``IdempotencyKeyInFlight`` (a request with the
    key is running).
    """
    locked, record = _lock_and_read(channel, key)
    if not locked:
        raise _in_flight(key)
    if record is None:
        return None
    if record.fingerprint != request_fingerprint:
        raise IdempotencyKeyReused(
            _("This Idempotency-Key was already used with a different request body. Use a new key for a new order."),
            data={"idempotency_key": key},
        )
    if record.state == IdempotencyState.COMPLETED:
        return _replay(record)
    if timezone.now() - record.created_at <= IN_FLIGHT_TIMEOUT:
        raise _in_flight(key)
    return record  # an abandoned claim (its request is long gone): taken over


def run_once(
    *,
    channel: Channel,
    key: str,
    request_fingerprint: str,
    action: Callable[[bool], tuple[int, dict[str, Any], Order | None]],
) -> StoredResponse:
    """Run ``action`` (place the order) once per (channel, key), or answer as the first run did.

    ``action(retry)`` returns (status, body, order); ``retry`` is True on the second run, after a
    lost unique constraint, so the action can look for the row it lost to (the first run of an
    order trusts the constraint instead of asking first). The stored response of an earlier run with the same
    body is replayed; another body raises ``IdempotencyKeyReused``; a run still going on raises
    ``IdempotencyKeyInFlight``. If ``action`` raises, nothing is kept and the key stays unused.
    A run that loses a unique constraint to a concurrent request (the key, the order's external
    id) is rolled back and runs once more, finding the winner's row. Must not run inside an outer
    transaction: the order and the key commit here.
    """
    try:
        return _run_once_in_transaction(channel, key, request_fingerprint, action, retry=False)
    except IntegrityError:
        return _run_once_in_transaction(channel, key, request_fingerprint, action, retry=True)


def _run_once_in_transaction(
    channel: Channel,
    key: str,
    request_fingerprint: str,
    action: Callable[[bool], tuple[int, dict[str, Any], Order | None]],
    *,
    retry: bool,
) -> StoredResponse:
    with transaction.atomic(durable=True):
        claim = claim_key(channel=channel, key=key, request_fingerprint=request_fingerprint)
        if isinstance(claim, StoredResponse):
            return claim
        record = claim
        status, body, order = action(retry)
        completed = {
            "state": IdempotencyState.COMPLETED,
            "response_status": status,
            "response_body": body,
            "order": order,
            "completed_at": timezone.now(),
        }
        if record is None:
            IdempotencyKey.objects.create(channel=channel, key=key, fingerprint=request_fingerprint, **completed)
        else:
            for name, value in completed.items():
                setattr(record, name, value)
            record.save(update_fields=list(completed))
    return StoredResponse(status=status, body=body)


def purge_idempotency_keys(*, older_than: datetime.timedelta = 2 * KEY_RETENTION) -> int:
    """Delete keys older than ``older_than`` (default 48 h, twice the published 24 h). Returns how many."""
    cutoff = timezone.now() - max(older_than, KEY_RETENTION)
    deleted, _per_model = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
