"""The switch that runs the whole suite on a moved clock (``tests/clock.py``, README "Development")."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import time

import pytest
import time_machine

from tests import clock

UTC = datetime.UTC
REAL_NOW = datetime.datetime(2026, 12, 7, 1, 0, tzinfo=UTC)


def real_time() -> float:
    """The machine's clock, whether this run travels or not."""
    hatch = time_machine.escape_hatch
    return hatch.time.time() if hatch.is_travelling() else time.time()


@pytest.mark.parametrize(
    ("environ", "offset"),
    [
        ({}, None),
        ({clock.SHIFT_DAYS: "365"}, datetime.timedelta(days=365)),
        ({clock.SHIFT_DAYS: "-30"}, datetime.timedelta(days=-30)),
        ({clock.AT: "2026-12-31T23:50:00+01:00"}, datetime.timedelta(days=24, hours=21, minutes=50)),
        (
            {clock.AT: "2026-12-31T23:50:00+01:00", clock.SHIFT_DAYS: "1"},
            datetime.timedelta(days=25, hours=21, minutes=50),
        ),
    ],
)
def test_the_environment_names_how_far_the_clock_moves(environ, offset):
    assert clock.requested_offset(environ, now=REAL_NOW) == offset


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({clock.SHIFT_DAYS: "a year"}, "whole number of days"),
        ({clock.AT: "31.12.2026 23:50"}, "ISO 8601"),
        ({clock.AT: "2026-12-31T23:50:00"}, "UTC offset"),
    ],
)
def test_a_malformed_setting_stops_the_run_saying_what_is_wrong(environ, message):
    with pytest.raises(SystemExit, match=message):
        clock.requested_offset(environ, now=REAL_NOW)


def test_a_python_child_process_runs_on_the_moved_clock_in_step_with_its_parent():
    env = {**os.environ, clock.OFFSET_SECONDS: str(3 * 86400), "PYTHONPATH": str(clock.CHILD_SITE)}
    child = subprocess.run(
        [sys.executable, "-c", "import time; print(time.time())"], env=env, capture_output=True, text=True, timeout=60
    )
    real = real_time()
    assert child.returncode == 0, child.stderr
    assert abs(float(child.stdout) - (real + 3 * 86400)) < 30


def test_this_run_is_on_the_clock_the_environment_asked_for():
    """On the real clock without the switch; moved by its offset (and ticking) with it."""
    expected = real_time() + (clock.offset() or datetime.timedelta(0)).total_seconds()
    assert abs(time.time() - expected) < 30
    assert time_machine.escape_hatch.is_travelling() == (clock.offset() is not None)
