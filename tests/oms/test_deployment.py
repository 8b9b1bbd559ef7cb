"""Deployment files and production settings, checked without running Docker (no engine here)."""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "p7Hq-2vLz9Rk4TnW8xYb3Jc6Mf1Sd5Ga0Ue7Io9Pl2Kj4Hg6Fd8Sa1Qw3Er5Ty7Ui9Op"
PRODUCTION_ENV = {
    "PATH": os.environ["PATH"],
    "DJANGO_DEBUG": "false",
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "oms.example.com",
    "DATABASE_URL": "sqlite:////tmp/oms-deploy-check.sqlite3",
}


def run_manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_reports_nothing_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("secret", "message"),
    [(None, "SECRET_KEY is not set"), ("short", "too weak"), ("django-insecure-" + "x" * 60, "too weak")],
)
def test_production_refuses_to_start_without_a_real_secret_key(secret, message):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    if secret:
        env["SECRET_KEY"] = secret
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert message in result.stderr


def test_compose_runs_the_whole_stack_with_healthchecks_and_volumes():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat", "migrate"} <= set(services)
    for name in ("postgres", "redis", "web", "worker"):
        assert "healthcheck" in services[name], f"{name} needs a healthcheck"
    assert {"postgres-data", "redis-data"} <= set(compose["volumes"])
    for name in ("web", "worker", "beat", "migrate"):
        assert services[name]["env_file"] == ".env"
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgres://")
        assert services[name]["environment"]["REDIS_URL"].startswith("redis://redis:")
    # Migrations wait for healthy databases; everything else waits for the migrations.
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["migrate"]["depends_on"]["redis"]["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_the_commands_compose_runs_exist():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    gunicorn = services["web"]["command"]
    assert gunicorn[0] == "gunicorn"
    module, attr = gunicorn[1].split(":")
    assert callable(getattr(importlib.import_module(module), attr))
    for name in ("worker", "beat"):
        command = services[name]["command"]
        assert command[:3] == ["celery", "-A", "oms"]
        assert command[3] in {"worker", "beat"}
    assert importlib.import_module("oms").celery_app.main == "oms"
    migrate = services["migrate"]["command"]
    assert migrate[:2] == ["python", "manage.py"] and migrate[2] in get_commands()


def test_dockerfile_and_env_example_agree_with_settings():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "collectstatic" in dockerfile and "compilemessages" in dockerfile
    cmd = next(line for line in dockerfile.splitlines() if line.startswith("CMD"))
    assert "oms.wsgi:application" in cmd
    example = dict(
        line.split("=", 1) for line in (ROOT / ".env.example").read_text().splitlines() if line and line[0] != "#"
    )
    assert example["DJANGO_DEBUG"] == "false"
    assert {"SECRET_KEY", "ALLOWED_HOSTS", "POSTGRES_PASSWORD", "EMAIL_URL", "DEFAULT_FROM_EMAIL"} <= set(example)


def test_without_redis_tasks_run_eagerly_and_with_redis_they_go_to_the_broker():
    code = "from django.conf import settings as s; print(s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL)"
    base = {**PRODUCTION_ENV, "DJANGO_SETTINGS_MODULE": "oms.settings"}
    script = f"import django; django.setup(); {code}"
    eager = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=base, capture_output=True, text=True)
    assert eager.stdout.split() == ["True", "memory://localhost/"], eager.stderr
    env = {**base, "REDIS_URL": "redis://127.0.0.1:6379/3"}
    broker = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert broker.stdout.split() == ["False", "redis://127.0.0.1:6379/3"], broker.stderr


@pytest.mark.django_db
def test_healthcheck_answers_on_localhost_even_with_production_hosts(client, settings):
    settings.ALLOWED_HOSTS = ["oms.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="localhost:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_every_beat_entry_names_a_task_the_worker_knows():
    """A typo in the beat schedule would make beat send a task no worker can run: the outbox,
    backorder and forecast sweeps would silently never happen."""
    from django.conf import settings

    from oms.celery import app

    app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "oms.outbox.sweep_outbox_task",
        "orders.tasks.sweep_backorders_task",
        "inventory.tasks.recompute_forecasts_task",
    } <= scheduled
    assert scheduled <= set(app.tasks)


def test_compose_gives_documents_their_own_worker_and_a_media_volume_web_and_workers_share():
    from django.conf import settings

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert "media" in compose["volumes"]
    for name in ("web", "worker", "worker-documents"):
        assert "media:/app/var/media" in services[name]["volumes"], f"{name} must see the stored documents"
        assert services[name]["environment"]["MEDIA_ROOT"] == "/app/var/media"
    # Mail and PDFs are consumed by different workers, so a burst of PDFs never delays a mail.
    default_worker, documents_worker = services["worker"]["command"], services["worker-documents"]["command"]
    assert default_worker[default_worker.index("-Q") + 1] == settings.CELERY_TASK_DEFAULT_QUEUE
    assert documents_worker[documents_worker.index("-Q") + 1] == settings.DOCUMENTS_QUEUE
    assert settings.OUTBOX_QUEUES["document"] == settings.DOCUMENTS_QUEUE
    assert "customer_mail" not in settings.OUTBOX_QUEUES  # mail stays on the default queue
    assert "--max-tasks-per-child" in documents_worker  # WeasyPrint's memory is given back
    assert "healthcheck" in services["worker-documents"]
    assert services["worker-documents"]["depends_on"] == services["worker"]["depends_on"]
