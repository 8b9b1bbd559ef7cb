"""On SQLite (the embedded default) a declaration of withdrawal accepts the erasure's
pseudonymisation too: the trigger that refuses every UPDATE now lets one through in erasure mode
(``oms.privacy.erasure_mode``: a row in ``oms_erasure_mode``, which only the erasure's and the
retention job's transaction can see), as PostgreSQL's trigger does under ``oms.erasure = 'on'``.
Outside it, an UPDATE is refused as before. PostgreSQL is unchanged."""

from django.db import migrations

MESSAGE = "returns_withdrawal rows are immutable"
ORIGINAL = (
    "CREATE TRIGGER returns_withdrawal_no_update BEFORE UPDATE ON returns_withdrawal "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"
)
GUARDED = (
    "CREATE TRIGGER returns_withdrawal_no_update BEFORE UPDATE ON returns_withdrawal "
    "WHEN NOT EXISTS (SELECT 1 FROM oms_erasure_mode) "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;"
)


def _replace(statement):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "sqlite":
            schema_editor.execute("DROP TRIGGER IF EXISTS returns_withdrawal_no_update")
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("oms", "0011_erasure_mode"),
        ("returns", "0008_claim_replacements_linked"),
    ]

    operations = [migrations.RunPython(_replace(GUARDED), _replace(ORIGINAL), elidable=False)]
