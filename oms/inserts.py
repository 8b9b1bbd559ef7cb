"""INSERT statements of unsaved model rows, written out so that several can travel in one round
trip (data-modifying ``WITH`` on PostgreSQL): the hot paths that write related rows together (an
order, its lines and their allocations; a customer mail and its outbox message) send one
statement instead of one per table.

The values are what ``Model.save()`` / ``bulk_create`` would write: each concrete field's
``pre_save`` (defaults already set by the constructor, ``auto_now_add``) prepared by the field for
the connection. No model signals are sent (the tables written this way have no receivers).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from django.db import connection, models

# SQL for a column's value in place of the field's own, and its parameters, per row: a value
# another part of the statement computes (the id of a row inserted in the same statement).
Expression = Callable[[models.Model], tuple[str, list[Any]]]


def insert_statement(
    objs: Sequence[models.Model],
    *,
    expressions: Mapping[str, Expression] | None = None,
    returning: Sequence[str] = ("id",),
) -> tuple[str, list[Any]]:
    """``INSERT INTO <table> (...) VALUES (...), ... RETURNING ...`` for the unsaved ``objs`` (of
    one model; the auto primary key left to the database) and its parameters. ``expressions``:
    by column name, SQL written in place of the field's value."""
    expressions = expressions or {}
    qn = connection.ops.quote_name
    meta = objs[0]._meta
    fields = [
        f
        for f in meta.concrete_fields
        if not (f.primary_key and isinstance(f, models.AutoField | models.BigAutoField))
        and not getattr(f, "generated", False)
    ]
    rows: list[str] = []
    params: list[Any] = []
    for obj in objs:
        values: list[str] = []
        for field in fields:
            expression = expressions.get(field.column)
            if expression is not None:
                sql, expression_params = expression(obj)
                values.append(sql)
                params.extend(expression_params)
            else:
                values.append("%s")
                params.append(field.get_db_prep_save(field.pre_save(obj, True), connection))
        rows.append(f"({', '.join(values)})")
    sql = f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) VALUES {', '.join(rows)}"
    if returning:
        sql += f" RETURNING {', '.join(qn(name) for name in returning)}"
    return sql, params


def mark_saved(obj: models.Model, pk: Any) -> None:
    """``obj`` as saved with primary key ``pk``, as ``save()`` leaves it."""
    obj.pk = pk
    obj._state.adding = False
    obj._state.db = connection.alias
