"""Bulk loading through PostgreSQL COPY for the load generator: rows built from Django model
metadata, so a new column with a default needs no change here.

``TableCopy(model, varying=[...])`` precomputes the COPY text of every column that keeps its
default for all rows; ``add(values)`` encodes only the varying ones. Explicit primary keys let
children reference parents without a round trip; ``reset_sequences`` moves the id sequences past them.
"""

from __future__ import annotations

import datetime
import json
import re
import uuid
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, models
from django.db.models.fields import NOT_PROVIDED

CHUNK_BYTES = 4 * 1024 * 1024
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


_needs_escape = re.compile(r"[\\\t\n\r]").search


def encode(value: Any) -> str:
    """One value in COPY text format (the hot path: plain strings and ints first)."""
    kind = type(value)
    if kind is str:
        return value.translate(_ESCAPES) if _needs_escape(value) else value
    if kind is int:
        return str(value)
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, (int, Decimal, uuid.UUID)):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":")).translate(_ESCAPES)
    return str(value).translate(_ESCAPES)


def _encoder_for(field: models.Field) -> Callable[[Any], str]:
    """A fast encoder for values we generate ourselves (no escaping needed for ints)."""
    if isinstance(field, (models.IntegerField, models.AutoField, models.ForeignKey)):
        return lambda v: "\\N" if v is None else str(v)
    return encode


def default_value(field: models.Field, now: datetime.datetime) -> Any:
    """The value a column gets when the generator does not set it."""
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return now
    if field.default is not NOT_PROVIDED:
        value = field.default() if callable(field.default) else field.default
        return value
    if field.null:
        return None
    if isinstance(field, (models.CharField, models.TextField)):
        return ""
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, (models.IntegerField, models.DecimalField, models.FloatField)):
        return 0
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.DateTimeField):
        return now
    if isinstance(field, models.DateField):
        return now.date()
    if isinstance(field, models.UUIDField):
        return uuid.uuid4()
    raise ValueError(f"{field.model.__name__}.{field.name} has no default: the load generator must set it")


class TableCopy:
    """COPY rows into one model's table; ``varying`` names the fields (or attnames) set per row."""

    def __init__(self, model: type[models.Model], varying: Sequence[str], *, now: datetime.datetime):
        self.model = model
        self.table = model._meta.db_table
        fields = [f for f in model._meta.concrete_fields]
        by_name: dict[str, models.Field] = {}
        for f in fields:
            by_name[f.name] = f
            by_name[f.attname] = f
        missing = [v for v in varying if v not in by_name]
        if missing:
            raise KeyError(f"{model.__name__} has no field(s) {missing}")
        self.varying_fields = [by_name[v] for v in varying]
        varying_cols = {f.column for f in self.varying_fields}
        # A primary key not set by the generator comes from the table's identity sequence.
        self.constant_fields = [
            f for f in fields if f.column not in varying_cols and not isinstance(f, models.AutoField)
        ]
        # Columns: varying ones first (in the order given), then the constant ones.
        self.columns = [f.column for f in self.varying_fields] + [f.column for f in self.constant_fields]
        self.uuid_fields = [f for f in self.constant_fields if isinstance(f, models.UUIDField) and callable(f.default)]
        # A callable default like uuid4 must differ per row: it cannot be a constant.
        self.constant_suffix = "".join(
            "\t" + encode(default_value(f, now)) for f in self.constant_fields if f not in self.uuid_fields
        )
        if self.uuid_fields:
            self.columns = (
                [f.column for f in self.varying_fields]
                + [f.column for f in self.uuid_fields]
                + [f.column for f in self.constant_fields if f not in self.uuid_fields]
            )
        self.encoders = [_encoder_for(f) for f in self.varying_fields]
        self.buffer: list[str] = []
        self.size = 0
        self.rows = 0
        self._copy_cm = None
        self._copy = None
        self._cursor = None

    def __enter__(self) -> TableCopy:
        self._cursor = connection.cursor().cursor  # psycopg cursor under Django's wrapper
        cols = ", ".join(f'"{c}"' for c in self.columns)
        self._copy_cm = self._cursor.copy(f'COPY "{self.table}" ({cols}) FROM STDIN')
        self._copy = self._copy_cm.__enter__()
        return self

    def add(self, values: Sequence[Any]) -> None:
        line = "\t".join([enc(v) for enc, v in zip(self.encoders, values, strict=True)])
        if self.uuid_fields:
            line += "".join("\t" + str(uuid.uuid4()) for _ in self.uuid_fields)
        line += self.constant_suffix + "\n"
        self.buffer.append(line)
        self.size += len(line)
        self.rows += 1
        if self.size >= CHUNK_BYTES:
            self.flush()

    def add_many(self, rows: Iterable[Sequence[Any]]) -> None:
        for row in rows:
            self.add(row)

    def flush(self) -> None:
        if self.buffer:
            self._copy.write("".join(self.buffer))
            self.buffer.clear()
            self.size = 0

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.flush()
        self._copy_cm.__exit__(*exc)


def next_id(model: type[models.Model]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT coalesce(max(id), 0) + 1 FROM "{model._meta.db_table}"')
        return cursor.fetchone()[0]


def reset_sequences(models_: Iterable[type[models.Model]]) -> None:
    with connection.cursor() as cursor:
        for model in models_:
            table = model._meta.db_table
            pk = model._meta.pk.column
            cursor.execute(
                f'SELECT setval(pg_get_serial_sequence(%s, %s), coalesce(max("{pk}"), 0) + 1, false) FROM "{table}"',
                [f'"{table}"', pk],
            )


def secondary_indexes(table: str) -> list[tuple[str, str]]:
    """Indexes of ``table`` that back no constraint: (name, CREATE statement). Dropped while loading."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, pg_get_indexdef(i.indexrelid)
            FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            WHERE i.indrelid = %s::regclass
              AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
            """,
            [f'"{table}"'],
        )
        return cursor.fetchall()


def drop_indexes(indexes: list[tuple[str, str]]) -> None:
    with connection.cursor() as cursor:
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


def create_indexes(indexes: list[tuple[str, str]]) -> None:
    with connection.cursor() as cursor:
        for _, ddl in indexes:
            cursor.execute(ddl)
