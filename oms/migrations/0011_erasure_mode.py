"""Erasure mode on SQLite (``oms.privacy.erasure_mode``): PostgreSQL's immutability triggers ask a
transaction-local setting (``oms.erasure``); SQLite has none, so its triggers ask whether this
table has a row, which the erasure's transaction writes and deletes again before it commits.
Nothing on PostgreSQL."""

from django.db import migrations

TABLE = "oms_erasure_mode"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (token varchar(32) NOT NULL PRIMARY KEY)")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"DROP TABLE IF EXISTS {TABLE}")


class Migration(migrations.Migration):
    dependencies = [("oms", "0010_privacy")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
