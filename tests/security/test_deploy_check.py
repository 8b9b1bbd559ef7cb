"""``manage.py check --deploy`` is clean with production settings (PostgreSQL, Redis, HTTPS)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def production_env(**extra: str) -> dict[str, str]:
    # Start from nothing: the test run's own environment (tests/env.py) relaxes HTTPS settings.
    env = {
        "PATH": os.environ["PATH"],
        "HOME": os.environ.get("HOME", "/tmp"),
        "DJANGO_DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "oms.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://oms.example.com",
        "DATABASE_URL": "postgres://oms:secret@db.internal:5432/oms",
        "REDIS_URL": "redis://redis.internal:6379/0",
        "EMAIL_URL": "smtp+tls://mailer:secret@mail.example.com:587",
    }
    env.update(extra)
    return env


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_at_warning_level_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_when_https_hardening_is_switched_off():
    """Control: the check above would notice a weakened deployment."""
    env = production_env(SECURE_SSL_REDIRECT="false", SECURE_COOKIES="false", SECURE_HSTS_SECONDS="0")
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr  # SECURE_SSL_REDIRECT


def test_production_settings_mark_cookies_secure_and_send_hsts():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DEBUG, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS >= 31536000, s.X_FRAME_OPTIONS)"
    )
    env = production_env(DJANGO_SETTINGS_MODULE="oms.settings")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.split() == ["False", "True", "True", "True", "True", "DENY"], result.stderr


# --- demo data on a production database ---------------------------------------------------------


def _database_url() -> str:
    from django.db import connection

    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _deploy_errors() -> set[str]:
    from django.core import checks

    return {
        message.id
        for message in checks.run_checks(include_deployment_checks=True, tags=[checks.Tags.security])
        if message.level >= checks.ERROR
    }


@pytest.mark.django_db
def test_the_deploy_check_refuses_a_channel_with_a_demo_or_benchmark_webhook_secret(settings):
    from orders.models import Channel

    settings.DEBUG = False
    Channel.objects.create(code="web", name="Web", webhook_secret="whsec-real-4f9a1c0e7b2d")
    assert "orders.E001" not in _deploy_errors()

    for secret in ("demo-web-secret", "bench-secret-shop"):
        Channel.objects.filter(code="web").update(webhook_secret=secret)
        assert "orders.E001" in _deploy_errors(), secret


@pytest.mark.django_db
def test_the_deploy_check_refuses_a_user_with_the_demo_password(settings, django_user_model):
    from oms.demo import DEMO_PASSWORD

    settings.DEBUG = False
    user = django_user_model.objects.create_user("support", password="a-long-real-password-8121")
    assert "oms.E001" not in _deploy_errors()

    user.set_password(DEMO_PASSWORD)
    user.save()
    assert "oms.E001" in _deploy_errors()

    settings.DEBUG = True  # a developer's machine with demo data is fine
    assert "oms.E001" not in _deploy_errors()


def _pbkdf2(password: str) -> str:
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    hasher = PBKDF2PasswordHasher()
    return hasher.encode(password, hasher.salt())


@pytest.mark.django_db(transaction=True)
def test_manage_py_check_deploy_fails_on_a_production_database_that_ran_the_demo_seeder(django_user_model):
    """Through the command the stack runs before it starts (docker-compose.yml: service "check")."""
    from oms.demo import DEMO_PASSWORD
    from orders.models import Channel

    Channel.objects.create(code="web", name="Web", webhook_secret="demo-web-secret")
    # Hashed as production hashes (the test settings use a fast hasher production does not know).
    django_user_model.objects.create(username="manager", password=_pbkdf2(DEMO_PASSWORD))

    result = run_manage("check", "--deploy", "--fail-level", "ERROR", env=production_env(DATABASE_URL=_database_url()))

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "orders.E001" in output and "Channel “web”" in output
    assert "oms.E001" in output and "User “manager”" in output


@pytest.mark.django_db
def test_seed_demo_gives_shop_channels_the_demo_secret_only_in_demo_mode(settings):
    from orders.models import Channel
    from orders.seed import _channels, demo_webhook_secret

    settings.DEMO_MODE = False
    secret = _channels()["web"].webhook_secret
    assert secret and secret != demo_webhook_secret("web") and len(secret) >= 32

    Channel.objects.all().delete()
    settings.DEMO_MODE = True
    assert _channels()["web"].webhook_secret == demo_webhook_secret("web")


def test_the_stack_runs_the_deploy_check_before_web_worker_and_beat_start():
    import yaml

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert services["check"]["command"] == ["python", "manage.py", "check", "--deploy", "--fail-level", "ERROR"]
    assert services["check"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["check"]["condition"] == "service_completed_successfully"
