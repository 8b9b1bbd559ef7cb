"""The type hints are checked: mypy with the Django, DRF and Celery stubs passes over the project's
packages, as ``make lint`` runs it (configuration in pyproject.toml, ``[tool.mypy]``). Deselect with
``-m "not typecheck"``; mypy's incremental cache in ``var/mypy-cache`` keeps a rerun fast."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from mypy import api


@pytest.mark.typecheck
def test_mypy_finds_no_type_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    root = Path(settings.BASE_DIR)
    # The configuration names the packages relative to the project's root.
    monkeypatch.chdir(root)
    out, err, status = api.run(["--config-file", str(root / "pyproject.toml"), "--no-error-summary"])
    assert status == 0, f"mypy found type errors:\n{out}{err}"
