"""Fixtures shared by every test: users per role, clients, and the markers that need services.

Tests marked ``postgres`` need ``DATABASE_URL`` to point at PostgreSQL, ``redis`` need
``REDIS_URL``, ``browser`` need /usr/bin/chromium. Without them such tests are skipped, saying
why; when ``CI`` is set a skip of these is a failure instead (see ``pytest_collection_modifyitems``).
"""

from __future__ import annotations

import os
import shutil
import uuid

import pytest
from celery._state import _set_task_join_will_block
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection

from oms import lookups
from oms.roles import Role
from tests.logins import login_as

IN_CI = bool(os.environ.get("CI"))


def _missing_service(marker: str) -> str | None:
    if marker == "postgres" and settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "needs PostgreSQL (set DATABASE_URL=postgres://...)"
    if marker in {"redis", "reliability"} and not os.environ.get("REDIS_URL"):
        return "needs Redis (set REDIS_URL=redis://...)"
    if marker == "browser" and not shutil.which("chromium") and not os.path.exists("/usr/bin/chromium"):
        return "needs Debian's chromium (apt-get install chromium)"
    return None


SERVICE_MARKERS = ("postgres", "redis", "browser", "reliability")


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip a test whose service is missing, saying which; under CI fail it instead."""
    for marker in SERVICE_MARKERS:
        if item.get_closest_marker(marker) is None:
            continue
        reason = _missing_service(marker)
        if reason is None:
            continue
        if IN_CI:
            pytest.fail(f"CI must not skip this test: it {reason}", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings) -> None:
    """PBKDF2's deliberate slowness is for production, not for creating test users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_lookups() -> None:
    """API keys and channels cached by an earlier test's process-local lookups are not this test's rows."""
    lookups.clear_all()


@pytest.fixture(autouse=True)
def _own_rate_limits(settings) -> None:
    """Rate limit counters (oms.ratelimit, in Redis in CI) of an earlier test are not this test's."""
    settings.RATELIMIT_KEY_PREFIX = f"{uuid.uuid4().hex}:"


@pytest.fixture(autouse=True)
def _not_inside_a_worker() -> None:
    """A Celery worker an earlier test started in this process (``start_worker``) can leave the
    process marked as running inside a worker, and an eager ``.delay().get()`` would be refused."""
    _set_task_join_will_block(False)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path) -> None:
    """Rendered documents go to a folder of each test's own, never into the checkout's var/."""
    settings.MEDIA_ROOT = tmp_path / "media"


def make_user(django_user_model, username: str, role: str | None, **extra):
    user = django_user_model.objects.create_user(username=username, password="pw-" + username, **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def warehouse_user(django_user_model):
    return make_user(django_user_model, "lager", Role.WAREHOUSE)


@pytest.fixture
def support_user(django_user_model):
    return make_user(django_user_model, "agent", Role.SUPPORT)


@pytest.fixture
def manager_user(django_user_model):
    return make_user(django_user_model, "chefin", Role.MANAGER)


@pytest.fixture
def admin_user(django_user_model):
    return make_user(django_user_model, "root", Role.ADMIN, is_staff=True)


@pytest.fixture
def users_by_role(warehouse_user, support_user, manager_user, admin_user):
    return {
        Role.WAREHOUSE: warehouse_user,
        Role.SUPPORT: support_user,
        Role.MANAGER: manager_user,
        Role.ADMIN: admin_user,
    }


def client_for(client, user):
    """Signed in as ``user``, with the second factor given where the role needs it (tests/logins.py)."""
    return login_as(client, user)


@pytest.fixture
def warehouse_client(client, warehouse_user):
    return client_for(client, warehouse_user)


@pytest.fixture
def support_client(client, support_user):
    return client_for(client, support_user)


@pytest.fixture
def manager_client(client, manager_user):
    return client_for(client, manager_user)


@pytest.fixture
def admin_client_(client, admin_user):
    return client_for(client, admin_user)


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"
