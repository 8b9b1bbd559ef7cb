"""Loaded by Python child processes of a test run whose clock is moved (see ``tests/clock.py``).

The parent hands over its offset from the real clock, so the child's clock ticks in step with
the parent's (a Celery worker then sees an outbox message as due exactly when the test does).
"""

import os

_seconds = os.environ.get("OMS_TEST_CLOCK_OFFSET_SECONDS")
if _seconds:
    import datetime

    import time_machine

    time_machine.travel(datetime.timedelta(seconds=float(_seconds)), tick=True).start()
