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

How exactly one order comes out of any number of concurrent duplicates: the key row is claimed
with an INSERT in its own short transaction (the unique constraint on channel + key lets exactly
one request win; the others read the winner's row and answer 409 or replay). The winner then
places the order in one transaction that first locks its key row and re-checks it is still
unfinished, and completes the row with the response in that same transaction: the order and the
completed key commit together or not at all.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from oms.exceptions import ConflictError, DomainError
from orders.models import Channel, IdempotencyKey, IdempotencyState, Order

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
KEY_RETENTION = datetime.timedelta(hours=24)
# A claim older than this whose request is evidently gone (crashed worker) may be taken over.
IN_FLIGHT_TIMEOUT = datetime.timedelta(seconds=60)
RETRY_AFTER_SECONDS = 1


class InvalidIdempotencyKey(DomainError):
    code = "invalid_idempotency_key"
    http_status = 400


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    http_status = 422


class IdempotencyKeyInFlight(ConflictError):
    code = "idempotency_key_in_flight"
    http_status = 409


@dataclass(frozen=True)
class StoredResponse:
    """What the endpoint answers: the status, the JSON body, and whether it is a replay."""

    status: int
    body: dict[str, Any]
    replayed: bool = False


def validate_key(raw: str) -> str:
    """The key from the header, or ``InvalidIdempotencyKey`` (400) if empty, too long or not printable."""
    key = raw.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
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


def claim_key(*, channel: Channel, key: str, request_fingerprint: str) -> IdempotencyKey | StoredResponse:
    """Claim ``key`` for this request, committed at once; or the stored response to replay.

    Raises ``IdempotencyKeyReused`` (other body) or ``IdempotencyKeyInFlight`` (first request
    still running). Must not run inside an outer transaction: the claim has to be visible to
    concurrent requests before the order is placed.
    """
    # A new key is the common case: try the INSERT first (one statement) and read the existing
    # row only when the unique constraint says there is one.
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(channel=channel, key=key, fingerprint=request_fingerprint)
    except IntegrityError:
        with transaction.atomic():
            record, created = IdempotencyKey.objects.get_or_create(
                channel=channel, key=key, defaults={"fingerprint": request_fingerprint}
            )
        if created:  # the other claim was released meanwhile
            return record
    if record.fingerprint != request_fingerprint:
        raise IdempotencyKeyReused(
            _("This Idempotency-Key was already used with a different request body. Use a new key for a new order."),
            data={"idempotency_key": key},
        )
    if record.state == IdempotencyState.COMPLETED:
        return _replay(record)
    if timezone.now() - record.created_at > IN_FLIGHT_TIMEOUT:
        return record  # abandoned claim: run_claimed re-checks it under a row lock
    raise IdempotencyKeyInFlight(
        _("A request with this Idempotency-Key is still being processed. Retry in a moment."),
        data={"idempotency_key": key, "retry_after": RETRY_AFTER_SECONDS},
    )


def run_claimed(
    *, record: IdempotencyKey, action: Callable[[], tuple[int, dict[str, Any], Order | None]]
) -> StoredResponse:
    """Run ``action`` (place the order) and complete ``record`` with its response, atomically.

    ``action`` returns (status, body, order). If it raises, nothing it did is kept and the claim
    is released, so the key can be used again.
    """
    try:
        with transaction.atomic():
            locked = IdempotencyKey.objects.select_for_update().get(pk=record.pk)
            if locked.state == IdempotencyState.COMPLETED:
                return _replay(locked)  # someone who took over an abandoned claim finished first
            status, body, order = action()
            locked.state = IdempotencyState.COMPLETED
            locked.response_status = status
            locked.response_body = body
            locked.order = order
            locked.completed_at = timezone.now()
            locked.save(update_fields=["state", "response_status", "response_body", "order", "completed_at"])
    except BaseException:
        IdempotencyKey.objects.filter(pk=record.pk, state=IdempotencyState.IN_PROGRESS).delete()
        raise
    return StoredResponse(status=status, body=body)


def purge_idempotency_keys(*, older_than: datetime.timedelta = 2 * KEY_RETENTION) -> int:
    """Delete keys older than ``older_than`` (default 48 h, twice the published 24 h). Returns how many."""
    cutoff = timezone.now() - max(older_than, KEY_RETENTION)
    deleted, _per_model = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
