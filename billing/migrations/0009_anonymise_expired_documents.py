"""Issued invoices and credit notes may lose their buyer's and recipient's data when their
retention period ends (``oms.retention``, §14b UStG): inside a transaction that said
``SET LOCAL oms.erasure = 'on'``, an UPDATE that changes only those fields (and the document's
mutable ones) passes the immutability triggers of ``0003_immutable_documents``. Everything else
stays refused, as before."""

import importlib

from django.db import migrations

PARTY = [
    f"{side}_{part}"
    for side in ("buyer", "delivery")
    for part in ("name", "company", "street", "line2", "postcode", "city")
] + ["buyer_vat_id", "buyer_email"]

_ORIGINAL = importlib.import_module("billing.migrations.0003_immutable_documents")


def _array(columns):
    return "ARRAY[" + ", ".join(f"'{c}'" for c in columns) + "]::text[]"


def _function(name):
    """The function's CREATE statement as 0003 wrote it."""
    start = _ORIGINAL.FORWARD.index(f"CREATE OR REPLACE FUNCTION {name}()")
    end = _ORIGINAL.FORWARD.index("$$ LANGUAGE plpgsql;", start) + len("$$ LANGUAGE plpgsql;")
    return _ORIGINAL.FORWARD[start:end]


def _with_anonymisation(name, mutable):
    allowed = _array(PARTY + mutable)
    branch = f"""BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('oms.erasure', true) = 'on'
        AND (to_jsonb(NEW) - {allowed}) IS NOT DISTINCT FROM (to_jsonb(OLD) - {allowed}) THEN
        RETURN NEW;
    END IF;
"""
    return _function(name).replace("BEGIN\n", branch, 1)


FORWARD = "\n".join(
    [
        _with_anonymisation("billing_invoice_immutable", _ORIGINAL.INVOICE_MUTABLE),
        _with_anonymisation("billing_creditnote_immutable", _ORIGINAL.CREDIT_NOTE_MUTABLE),
    ]
)
BACKWARD = "\n".join([_function("billing_invoice_immutable"), _function("billing_creditnote_immutable")])


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(FORWARD)  # no parameters: the '%' in RAISE stay as they are


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("billing", "0008_invoice_due_rounded_to_the_cent")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
