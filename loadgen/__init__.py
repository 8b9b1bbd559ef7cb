"""The benchmark load generator (``manage.py generate_load``): a realistic shop with two years of
history, loaded with COPY for ``make bench`` and ``tests/bench``.

A tool above every app: it may import any of them (to number orders and build search text as the
domain does), and no app imports it."""
