"""Every model change has its migration: a model edited without one would deploy a schema the code
does not match (the migrate service in docker-compose.yml would find nothing to do)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit:  # --check exits 1 when a migration is missing
        pytest.fail(f"models changed without a migration (run makemigrations):\n{out.getvalue()}")
    assert "No changes detected" in out.getvalue()
