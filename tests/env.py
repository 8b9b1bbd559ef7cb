"""pytest plugin loaded first (``-p tests.env``): the environment of a test run.

Settings read the environment at import, before any conftest runs, so the test defaults are set
here: a throwaway SECRET_KEY, no HTTPS redirect and plain cookies for the HTTP live server, and
eager Celery unless a test starts a worker itself. Real values from the environment win.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-" + "k8Zq2vX9mW4pL7nR3tY6uB1cE5hJ0aSdFgHjKlQwErT")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SECURE_COOKIES", "false")
os.environ.setdefault("STATIC_MANIFEST", "false")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("OMS_DEMO_MODE", "true")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

from tests import clock

clock.start()  # OMS_TEST_CLOCK_SHIFT_DAYS / OMS_TEST_CLOCK_AT: the whole run on a moved clock


def pytest_report_header() -> str | None:
    return clock.describe()
