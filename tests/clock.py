"""The test run's clock, moved as a whole: proof that no test depends on the day it runs.

Two environment variables, read once when pytest starts (``tests/env.py``):

- ``OMS_TEST_CLOCK_SHIFT_DAYS=365``: every clock of the test process runs that many days ahead
  (negative: behind) of the real one.
- ``OMS_TEST_CLOCK_AT=2026-12-31T23:50:00+01:00``: the run starts at that moment (an ISO 8601
  time with its offset). Both may be given: the shift is added to the moment.

The clock keeps ticking (time-machine, ``tick=True``), so timeouts, backoffs and "a second later"
behave as usual. A test that freezes the clock itself (``time_machine.travel``) nests inside and
gets its own date back when it ends.

What it covers: everything in the pytest process that reads the time from Python (``time.time``,
``datetime.now``, ``date.today``, ``timezone.now``/``localdate``), including the live server's
threads and in-process Celery workers. Python child processes that inherit the environment (the
Celery worker that ``tests/oms/test_celery_redis.py`` starts) run on the same moved clock: the
switch puts ``tests/clock_child`` (a ``sitecustomize``) on their ``PYTHONPATH`` and hands them the
offset in ``OMS_TEST_CLOCK_OFFSET_SECONDS``. Chromium's pages get it through Playwright's clock
(``tests/browser/conftest.py``). Not covered: PostgreSQL's and Redis's own clocks (the code under
test takes its times from Python, not from ``now()`` in SQL) and Chromium's cookie jar, which
expires cookies by the real clock, so a shift into the past beyond a session's age would log the
browser out.
"""

from __future__ import annotations

import datetime
import os
from pathlib import Path

SHIFT_DAYS = "OMS_TEST_CLOCK_SHIFT_DAYS"
AT = "OMS_TEST_CLOCK_AT"
OFFSET_SECONDS = "OMS_TEST_CLOCK_OFFSET_SECONDS"  # for child processes; set by ``start``
CHILD_SITE = Path(__file__).resolve().parent / "clock_child"

_offset: datetime.timedelta | None = None


def requested_offset(environ=os.environ, *, now: datetime.datetime | None = None) -> datetime.timedelta | None:
    """How far the run's clock is from the real one, from the environment (None: not moved)."""
    days, at = environ.get(SHIFT_DAYS, "").strip(), environ.get(AT, "").strip()
    if not days and not at:
        return None
    try:
        shift = datetime.timedelta(days=int(days or 0))
    except ValueError:
        raise SystemExit(f"{SHIFT_DAYS} must be a whole number of days, not {days!r}") from None
    if not at:
        return shift
    try:
        moment = datetime.datetime.fromisoformat(at)
    except ValueError:
        raise SystemExit(f"{AT} must be an ISO 8601 time such as 2026-12-31T23:50:00+01:00, not {at!r}") from None
    if moment.tzinfo is None:
        raise SystemExit(f"{AT} needs its UTC offset (for example +01:00), not {at!r}")
    real_now = now or datetime.datetime.now(datetime.UTC)
    return moment - real_now + shift


def start() -> None:
    """Move this process's clock (and its Python children's) if the environment asks for it."""
    global _offset
    offset = requested_offset()
    if offset is None:
        return
    import time_machine

    time_machine.travel(offset, tick=True).start()  # a timedelta: that far from the real now
    _offset = offset
    os.environ[OFFSET_SECONDS] = repr(offset.total_seconds())
    path = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(CHILD_SITE), *([path] if path else [])])


def offset() -> datetime.timedelta | None:
    """The offset this run travels by, or None when it runs on the real clock."""
    return _offset


def describe() -> str | None:
    """One line for pytest's header, so a moved run says so."""
    if _offset is None:
        return None
    now = datetime.datetime.now(datetime.UTC)
    return f"clock moved by {_offset} (set by {SHIFT_DAYS}/{AT}): the run started at {now.isoformat()} UTC"
