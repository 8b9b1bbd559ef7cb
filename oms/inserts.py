"""INSERT statements of unsaved model rows, written out so that several can travel in one round
trip (data-modifying ``WITH`` on PostgreSQL): the hot paths that write related rows together (an
order, its lines and their allocations; a customer mail and its outbox message) send one
statement instead of one per table.

Each table's rows travel as one JSON parameter, unpacked by ``jsonb_populate_recordset`` into
the table's own row type, so PostgreSQL converts every value to its column's type as it would a
literal: a statement has a handful of parameters whatever the number of rows and columns, which
keeps the driver's work per order small (psycopg caches the parsing of statements with at most 50
parameters). The values are what ``Model.save()`` writes: each concrete field's ``pre_save``
(defaults already set by the constructor, ``auto_now_add``); only standard fields whose database
value is their Python value (``SIMPLE_TYPES``). No model signals are sent (the tables written this
way have no receivers).
"""

from __future__ import annotations

import datetime
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import connection, models
from django.utils.functional import Promise

# Field types (``get_internal_type``) whose Python value is what the column stores.
SIMPLE_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "DateField",
        "DateTimeField",
        "DecimalField",
        "EmailField",
        "ForeignKey",
        "IntegerField",
        "JSONField",
        "OneToOneField",
        "PositiveBigIntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SlugField",
        "SmallIntegerField",
        "TextField",
        "URLField",
        "UUIDField",
    }
)

# SQL in place of ``r.<column>`` (the row's value as sent) and its parameters: a value another
# part of the statement computes, such as the id of a row inserted in the same statement.
Expression = tuple[str, list[Any]]


def _json(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID | Promise):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not a column value")


@cache
def _fields(model: type[models.Model]) -> tuple[models.Field, ...]:
    fields = []
    for field in model._meta.concrete_fields:
        if field.primary_key and isinstance(field, models.AutoField | models.BigAutoField):
            continue
        if getattr(field, "generated", False):
            continue
        if field.get_internal_type() not in SIMPLE_TYPES:
            raise TypeError(f"{model.__name__}.{field.name} ({field.get_internal_type()}) needs its own preparation")
        fields.append(field)
    return tuple(fields)


def insert_statement(
    objs: Sequence[models.Model],
    *,
    expressions: Mapping[str, Expression] | None = None,
    values: Mapping[str, Callable[[models.Model], Any]] | None = None,
    returning: Sequence[str] = ("id",),
) -> tuple[str, list[Any]]:
    """``INSERT INTO <table> (...) SELECT ... FROM jsonb_populate_recordset(...) RETURNING ...``
    for the unsaved ``objs`` (of one model; the auto primary key left to the database) and its
    parameters. By column name, ``expressions`` replace the value sent, ``values`` compute the
    value sent from the object (for an expression to read as ``r.<column>``)."""
    expressions = expressions or {}
    values = values or {}
    model = type(objs[0])
    fields = _fields(model)
    rows = []
    for obj in objs:
        row = {}
        for field in fields:
            compute = values.get(field.column)
            row[field.column] = compute(obj) if compute is not None else field.pre_save(obj, True)
        rows.append(row)
    qn = connection.ops.quote_name
    table = qn(model._meta.db_table)
    selected, params = [], []
    for field in fields:
        expression = expressions.get(field.column)
        if expression is None:
            selected.append(f"r.{qn(field.column)}")
        else:
            selected.append(expression[0])
            params.extend(expression[1])
    sql = (
        f"INSERT INTO {table} ({', '.join(qn(f.column) for f in fields)}) SELECT {', '.join(selected)} "
        f"FROM jsonb_populate_recordset(NULL::{table}, %s::jsonb) AS r"
    )
    if returning:
        sql += f" RETURNING {', '.join(qn(name) for name in returning)}"
    return sql, [*params, json.dumps(rows, default=_json, separators=(",", ":"))]


def mark_saved(obj: models.Model, pk: Any) -> None:
    """``obj`` as saved with primary key ``pk``, as ``save()`` leaves it."""
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = connection.alias


def insert_rows(objs: Sequence[models.Model]) -> list[models.Model]:
    """Insert unsaved rows of one model in one statement and set their primary keys: what
    ``bulk_create`` does, without its per-value expression work, which costs seconds for a
    thousand rows (a wave's shipments, lines and timeline). Related objects saved since the row
    was built are read again first, as ``bulk_create`` does. The ids come back in the rows' order
    (one ``INSERT ... SELECT`` from the rows in order; ``bulk_create`` on PostgreSQL assumes the same).
    On SQLite it is ``bulk_create``."""
    if not objs:
        return []
    if connection.vendor != "postgresql":  # the embedded default (SQLite) has no jsonb_populate_recordset
        return type(objs[0]).objects.bulk_create(objs)
    for obj in objs:
        obj._prepare_related_fields_for_save(operation_name="insert_rows")
    sql, params = insert_statement(objs)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = [row[0] for row in cursor.fetchall()]
    for obj, pk in zip(objs, ids, strict=True):
        mark_saved(obj, pk)
    return list(objs)
