"""Keyset pages (oms.paging): every row once in both directions, whatever the sort keys; a broken
cursor is the first page; a deep page reads as few rows as the first."""

from __future__ import annotations

import datetime
import json

import pytest
from django.db import connection
from django.db.models import ExpressionWrapper, F, IntegerField, Value
from django.db.models.functions import Length
from django.http import QueryDict

from oms.models import OutboxMessage, OutboxStatus
from oms.paging import decode_cursor, encode_cursor, keyset_page, keyset_page_for_query

pytestmark = pytest.mark.django_db

T0 = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)


def messages(n: int, *, same_time_every: int = 3) -> list[OutboxMessage]:
    """``n`` rows whose ``created_at`` repeats in runs (ties the primary key must break) and whose
    kinds repeat too."""
    rows = OutboxMessage.objects.bulk_create(
        OutboxMessage(kind=f"kind-{i % 4}", payload={"i": i}, next_attempt_at=T0) for i in range(n)
    )
    for i, row in enumerate(rows):
        OutboxMessage.objects.filter(pk=row.pk).update(
            created_at=T0 + datetime.timedelta(seconds=i // same_time_every, microseconds=123)
        )
    return list(OutboxMessage.objects.all())


def walk(queryset, order_by, *, size: int, backwards_from_end: bool = False) -> list[int]:
    seen: list[int] = []
    page = keyset_page(queryset, order_by=order_by, size=size)
    while True:
        seen += [row.pk for row in page]
        if not page.has_next:
            break
        after = QueryDict(page.next_query)["after"]
        page = keyset_page(queryset, order_by=order_by, after=after, size=size)
    if not backwards_from_end:
        return seen
    back: list[int] = [row.pk for row in page]
    while page.has_previous:
        page = keyset_page(queryset, order_by=order_by, before=QueryDict(page.previous_query)["before"], size=size)
        back = [row.pk for row in page] + back
    assert back == seen
    return seen


@pytest.mark.parametrize(
    "order_by",
    [("-created_at", "-pk"), ("created_at", "pk"), ("kind", "-pk"), ("-kind", "created_at", "pk"), ("-pk",)],
)
def test_every_row_once_in_the_list_order_forward_and_back(order_by):
    rows = messages(23)
    expected = [row.pk for row in OutboxMessage.objects.order_by(*order_by)]
    assert walk(OutboxMessage.objects.all(), order_by, size=4) == expected
    assert walk(OutboxMessage.objects.all(), order_by, size=5, backwards_from_end=True) == expected
    assert len(expected) == len(rows)


def test_an_annotation_can_be_a_sort_key():
    messages(9)
    weight = ExpressionWrapper(Length("kind") * Value(10) + F("pk") % 3, output_field=IntegerField())
    qs = OutboxMessage.objects.annotate(weight=weight)
    expected = [row.pk for row in qs.order_by("-weight", "pk")]
    assert walk(qs, ("-weight", "pk"), size=2) == expected


def test_the_first_page_has_no_previous_and_the_last_no_next():
    messages(5)
    first = keyset_page(OutboxMessage.objects.all(), order_by=("-pk",), size=3)
    assert (first.has_previous, first.has_next) == (False, True)
    last = keyset_page(
        OutboxMessage.objects.all(), order_by=("-pk",), after=QueryDict(first.next_query)["after"], size=3
    )
    assert (last.has_previous, last.has_next, len(last)) == (True, False, 2)


def test_links_keep_the_filters_without_empty_values_or_old_cursors():
    messages(4)
    query = QueryDict("q=mail&state=&tag=a&tag=b&after=stale")
    page = keyset_page_for_query(OutboxMessage.objects.all(), query, order_by=("-pk",), size=2)
    kept = QueryDict(page.next_query)
    assert kept["q"] == "mail" and kept.getlist("tag") == ["a", "b"] and "state" not in kept
    assert kept["after"] != "stale" and "before" not in kept


def test_cursor_keeps_times_to_the_microsecond():
    when = datetime.datetime(2026, 3, 1, 12, 0, 0, 654321, tzinfo=datetime.UTC)
    assert decode_cursor(encode_cursor([when, 7])) == [when.isoformat(), 7]


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!!",
        "%%%",
        encode_cursor([1]),  # too few values for two keys
        encode_cursor(["not a time", 3]),
        encode_cursor(["2026-03-01T12:00:00", 3]),  # naive time
        encode_cursor([T0, 10**30]),  # beyond bigint
        encode_cursor([T0, "1\x00"]),
        encode_cursor([None, 1]),
        encode_cursor([[1], {"a": 1}]),
        "A" * 5000,
    ],
)
def test_a_broken_cursor_is_the_first_page(cursor):
    messages(3)
    first = keyset_page(OutboxMessage.objects.all(), order_by=("-created_at", "-pk"), size=2)
    for direction in ("after", "before"):
        page = keyset_page(OutboxMessage.objects.all(), order_by=("-created_at", "-pk"), size=2, **{direction: cursor})
        assert [r.pk for r in page] == [r.pk for r in first]
        assert page.has_previous is False


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans of PostgreSQL")
def test_a_deep_page_reads_as_few_rows_as_the_first():
    """The position's redundant lower bound is what an index seeks to: the page half-way down
    20,000 rows reads about a page of rows, not the 10,000 before it."""
    OutboxMessage.objects.bulk_create(
        OutboxMessage(kind="mail", payload={}, next_attempt_at=T0 + datetime.timedelta(seconds=i))
        for i in range(20_000)
    )
    with connection.cursor() as cursor:
        cursor.execute(f'ANALYZE "{OutboxMessage._meta.db_table}"')
    pending = OutboxMessage.objects.filter(status=OutboxStatus.PENDING)  # the partial index's rows
    order_by = ("next_attempt_at", "pk")
    middle = pending.order_by(*order_by)[10_000]
    after = encode_cursor([middle.next_attempt_at, middle.pk])

    def rows_read(**cursor: str) -> int:
        captured: list[str] = []

        def capture(execute, sql, params, many, context):
            captured.append(connection.ops.compose_sql(sql, params) if params else sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(capture):
            page = keyset_page(pending, order_by=order_by, size=25, **cursor)
        assert len(page) == 25
        with connection.cursor() as db:
            db.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + captured[-1])
            plan = db.fetchone()[0]
        plan = plan if isinstance(plan, list) else json.loads(plan)

        def scanned(node: dict) -> int:
            own = (
                node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0) if "Scan" in node["Node Type"] else 0
            )
            return own + sum(scanned(child) for child in node.get("Plans", []))

        return scanned(plan[0]["Plan"])

    first, deep = rows_read(), rows_read(after=after)
    assert first <= 100
    assert deep <= 100
