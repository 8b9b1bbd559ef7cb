"""One CSV import run in a process of its own, as Celery workers would run it (slice after slice).

``python -m bench.import_worker <import id>`` (environment: the benchmark's DATABASE_URL and
settings) runs the import and prints one JSON line: how many orders it created, in how long.
"""

from __future__ import annotations

import json
import os
import sys
import time


def main(import_id: int) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oms.settings")
    import django

    django.setup()
    from orders.models.imports import OrderImport, OrderImportStatus
    from orders.services.imports import run_order_import

    t0 = time.perf_counter()
    cpu0 = time.process_time()
    # A long file is placed in slices: each run that hands over leaves the import waiting, and the
    # next run (a new task in a worker) continues it.
    while run_order_import(import_id=import_id).status == OrderImportStatus.PENDING:
        pass
    took = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    order_import = OrderImport.objects.get(pk=import_id)
    print(
        json.dumps(
            {
                "import_id": import_id,
                "created": order_import.created,
                "existing": order_import.existing,
                "status": order_import.status,
                "errors": order_import.errors[:2],
                "seconds": took,
                "cpu_seconds": cpu,
            }
        ),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
