"""The per-app registries of demo seeders and load steps in ``oms.seeding``."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command

from oms import seeding


@pytest.fixture
def registries(monkeypatch):
    """Empty registries for one test (the apps' own entries come back afterwards)."""
    monkeypatch.setattr(seeding, "_seeders", {})
    monkeypatch.setattr(seeding, "_load_steps", {})


def test_seeders_run_in_their_order_and_are_given_the_day_passed_in(registries):
    calls = []
    seeding.register("late", lambda **kw: calls.append(("late", kw["today"], kw["scale"])), order=50)
    seeding.register("early", lambda **kw: calls.append(("early", kw["today"], kw["scale"])), order=10)

    call_command("seed_demo", today="2026-03-02", scale=0.5, stdout=io.StringIO())

    day = datetime.date(2026, 3, 2)
    assert calls == [("early", day, 0.5), ("late", day, 0.5)]


def test_seed_demo_refuses_a_day_that_is_no_date(registries):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--today"):
        call_command("seed_demo", today="tomorrow", stdout=io.StringIO())


def test_load_steps_run_in_order_and_list_their_tables_once(registries):
    seeding.register_load("b", lambda ctx: None, order=50, models=["orders.Order", "fulfillment.Shipment"])
    seeding.register_load("a", lambda ctx: None, order=10, models=["inventory.Product", "orders.Order"])

    assert [s.name for s in seeding.load_steps()] == ["a", "b"]
    assert seeding.loaded_models() == ["inventory.Product", "orders.Order", "fulfillment.Shipment"]


def test_the_apps_register_their_demo_and_load_steps():
    assert [s.name for s in seeding.seeders()][:2] == ["users", "inventory"]
    steps = [s.name for s in seeding.load_steps()]
    assert steps.index("inventory") < steps.index("orders") < steps.index("stock")
    assert {"orders.Order", "orders.OrderLine", "inventory.StockLevel"} <= set(seeding.loaded_models())


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_new_load_step_changes_the_schema_fingerprint_so_the_data_set_is_rebuilt(monkeypatch):
    from loadgen.generator import schema_fingerprint

    before = schema_fingerprint()
    monkeypatch.setitem(
        seeding._load_steps,
        "extra",
        seeding.LoadStep("extra", lambda ctx: None, 90, ("orders.SupportCase",)),
    )

    assert schema_fingerprint() != before


def _mailing_seeder(**kwargs):
    from django.core import mail

    mail.send_mail("Ihre Bestellung 2026-000001", "Vielen Dank.", "shop@example.com", ["kunde@example.com"])


def test_seed_demo_prints_each_step_once_and_no_demo_mail_on_the_console_backend(registries, settings, capsys):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    seeding.register("orders", _mailing_seeder, order=10)
    out = io.StringIO()

    call_command("seed_demo", stdout=out)

    assert out.getvalue().splitlines() == ["Seeding orders …", "Demo data ready."]
    assert "Ihre Bestellung" not in capsys.readouterr().out
    assert settings.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"


def test_seed_demo_leaves_any_other_mail_backend_as_configured(registries, mailoutbox):
    seeding.register("orders", _mailing_seeder, order=10)

    call_command("seed_demo", stdout=io.StringIO())

    assert [m.subject for m in mailoutbox] == ["Ihre Bestellung 2026-000001"]


def test_a_django_log_line_is_printed_once_and_the_start_says_nothing_about_axes_or_hostnames():
    """``make run``'s runserver printed "Watching for file changes" twice (Django's own console
    handler and ours) and every command started with django-axes' banner."""
    import logging
    import subprocess
    import sys
    from pathlib import Path

    chain, logger = [], logging.getLogger("django.utils.autoreload")
    while logger is not None:
        chain += [h for h in logger.handlers if type(h) is logging.StreamHandler]
        logger = logger.parent if logger.propagate else None
    assert len(chain) == 1

    root = Path(__file__).resolve().parents[2]
    env = {"PATH": "/usr/bin:/bin", "DJANGO_DEBUG": "true", "DATABASE_URL": "sqlite:///:memory:"}
    started = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=root, env=env, capture_output=True, text=True, timeout=120
    )
    assert started.returncode == 0, started.stderr
    assert "AXES" not in started.stderr and "No hostname" not in started.stderr
