"""pytest plugin loaded first (``-p tests.env``): the environment of a test run.

Settings read the environment at import, before any conftest runs, so the test defaults are set
here: a throwaway SECRET_KEY, no HTTPS redirect and plain cookies for the HTTP live server, and
eager Celery unless a test starts a worker itself. Real values from the environment win.
"""

import os
from urllib.parse import urlsplit, urlunsplit

os.environ.setdefault("SECRET_KEY", "test-only-" + "k8Zq2vX9mW4pL7nR3tY6uB1cE5hJ0aSdFgHjKlQwErT")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("SECURE_COOKIES", "false")
os.environ.setdefault("STATIC_MANIFEST", "false")
os.environ.setdefault("CELERY_TASK_ALWAYS_EAGER", "true")
os.environ.setdefault("OMS_DEMO_MODE", "true")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")


def _own_redis_database_per_worker() -> None:
    """Under pytest-xdist every worker gets a Redis database of its own, as it gets a PostgreSQL
    database of its own (pytest-django's ``test_<name>_gw<n>``): some code clears its cache, and
    rate limits and locks must not leak between tests that run at the same time."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    url = os.environ.get("REDIS_URL", "")
    if not worker.startswith("gw") or not url:
        return
    parts = urlsplit(url)
    number = parts.path.strip("/")
    first = int(number) if number.isdigit() else 0
    own = (first + 1 + int(worker[2:])) % 16
    os.environ["REDIS_URL"] = urlunsplit(parts._replace(path=f"/{own}"))


_own_redis_database_per_worker()

from tests import clock  # noqa: E402  (after the environment above, which settings read at import)

clock.start()  # OMS_TEST_CLOCK_SHIFT_DAYS / OMS_TEST_CLOCK_AT: the whole run on a moved clock


def pytest_report_header() -> str | None:
    return clock.describe()
