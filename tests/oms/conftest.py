"""Fixtures of the oms tests."""

from tests.oms.webhook_receiver import receiver  # noqa: F401 (a fixture: the local webhook receiver)
