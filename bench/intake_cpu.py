"""CPU of one API order in-process (no HTTP): ``python -m bench.intake_cpu [orders]``.

A quick profile between full ``make bench`` runs: on the benchmark database that ``make bench``
loaded (``BENCH_DB_NAME`` beside ``DATABASE_URL``; run it once first), places 3-line orders
through the whole Django stack with the test client and prints the SQL statements per order,
the CPU milliseconds per order (median of runs of 10, ``time.process_time``), the shares of the
parts of a request and the functions with the most own CPU time (``bench.parts.queries_per_intake``).
Needs ``DATABASE_URL`` and ``REDIS_URL`` as ``make bench`` does.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> int:
    from bench.common import BENCH_DB_NAME, bench_env, with_db_name

    database_url, redis_url = os.environ.get("DATABASE_URL", ""), os.environ.get("REDIS_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")) or not redis_url:
        print("needs DATABASE_URL=postgres://... and REDIS_URL=redis://..., as make bench does")
        return 2
    os.environ.update(bench_env(with_db_name(database_url, BENCH_DB_NAME), redis_url))
    os.environ["DJANGO_SETTINGS_MODULE"] = "oms.settings"
    import django

    django.setup()
    from bench import parts

    orders = int(argv[0]) if argv else 20
    skus = list(
        parts.model("inventory.Product")
        .objects.filter(active=True)
        .exclude(sku__startswith="BENCH-")
        .order_by("pk")
        .values_list("sku", flat=True)[:3000]
    )
    if len(skus) < 100:
        print(f"{BENCH_DB_NAME} has no benchmark data: run make bench (or BENCH_SKIP=... make bench) once")
        return 2
    parts.restock(skus, 500, below=300)
    measured = parts.queries_per_intake(parts.api_key_for(parts.bench_channel()), skus, orders=orders)
    print(f"SQL statements per order: {measured['count']} ({measured['by_statement']}), HTTP {measured['status']}")
    print(
        f"CPU per order: {measured['cpu_ms']:.1f} ms; wall {measured['in_process_ms']:.1f} ms "
        f"of which {measured['sql_ms']:.1f} ms in SQL"
    )
    for part in measured["cpu_parts"]:
        share = part["share"]
        print(f"  {part['part']}: {'-' if share is None else f'{share:.0%}'}")
    print("top functions by own CPU (ms per order):")
    for row in measured["profile"]:
        print(f"  {row['own_ms_per_order']:6.2f}  {row['calls_per_order']:7.1f} calls  {row['function']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
