"""The OMS project package: settings, URLs, the Celery app and the cross-app building blocks
(events, outbox, panels, navigation, roles, money) that every app may use. It imports no app."""

from oms.celery import app as celery_app

__all__ = ["celery_app"]
