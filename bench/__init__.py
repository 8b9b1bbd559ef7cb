"""``make bench``: benchmarks of the core against references measured in the same run.

Entry point ``python -m bench.run``; results in ``bench/results/latest.json`` and ``latest.md``.
"""
