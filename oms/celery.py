"""The Celery app. Configuration comes from Django settings under the ``CELERY_`` namespace.

Worker:  celery -A oms worker -l info
Beat:    celery -A oms beat -l info
Without ``REDIS_URL`` tasks run eagerly in-process (``CELERY_TASK_ALWAYS_EAGER``), the same code path.
"""

import logging
import os

from celery import Celery, Task
from celery.exceptions import Reject
from django.core.cache import cache

logger = logging.getLogger(__name__)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")


class OmsTask(Task):
    """Defaults for every task: acknowledged after it ran, retried with backoff on transient errors.

    Backoff is capped at 2 minutes (about 8 minutes of retries in all): a retry waits in a worker
    as a reserved message, and the broker's visibility timeout (15 min, see settings) must exceed
    that wait plus a run, or a delayed retry would be delivered twice.
    """

    acks_late = True
    autoretry_for = (ConnectionError, TimeoutError)
    retry_backoff = True
    retry_backoff_max = 120
    retry_jitter = True
    max_retries = 10
    # A message whose worker died is delivered again (re-queued at once when a pool child died,
    # after the visibility timeout when the whole worker did). A task that kills its worker every
    # time (out of memory on a huge input) would come back for ever: after this many deliveries of
    # the same run it is dropped with an error in the log.
    max_deliveries = 5

    def before_start(self, task_id: str, args: tuple, kwargs: dict) -> None:
        key = f"celery-deliveries:{task_id}:{self.request.retries}"
        try:
            cache.add(key, 0, timeout=86400)
            deliveries = cache.incr(key)
        except Exception as exc:  # the count is a guard, not a reason to stop work: run the task
            logger.warning("Delivery count of task %s unavailable: %s", task_id, exc)
            return
        if deliveries > self.max_deliveries:
            logger.error("Task %s[%s] dropped: delivered %s times, each worker died", self.name, task_id, deliveries)
            raise Reject(f"delivered {deliveries} times", requeue=False)


app = Celery("oms", task_cls=OmsTask)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The outbox keeps its delivery tasks beside the code that sends them (oms.outbox), not in a tasks module.
app.autodiscover_tasks(["oms"], related_name="outbox")
