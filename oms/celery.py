"""The Celery app. Configuration comes from Django settings under the ``CELERY_`` namespace.

Worker:  celery -A oms worker -l info
Beat:    celery -A oms beat -l info
Without ``REDIS_URL`` tasks run eagerly in-process (``CELERY_TASK_ALWAYS_EAGER``), the same code path.
"""

import os

from celery import Celery, Task

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")


class OmsTask(Task):
    """Defaults for every task: acknowledged after it ran, retried with backoff on transient errors.

    Backoff is capped at 10 minutes, well below the broker's visibility timeout (1 h), so a
    delayed retry is never delivered twice.
    """

    acks_late = True
    autoretry_for = (ConnectionError, TimeoutError)
    retry_backoff = True
    retry_backoff_max = 600
    retry_jitter = True
    max_retries = 8


app = Celery("oms", task_cls=OmsTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The outbox keeps its delivery tasks beside the code that sends them (oms.outbox), not in a tasks module.
app.autodiscover_tasks(["oms"], related_name="outbox")
