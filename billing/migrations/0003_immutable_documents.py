"""Issued invoices and credit notes never change, below the ORM (GoBD): PostgreSQL triggers refuse
an UPDATE of their content and any DELETE, and any change to the lines and VAT rows of an issued
document; applied payments and number counters are append-only / never go back.

Only the payment side of an invoice may change after issue (``INVOICE_MUTABLE_FIELDS``), and of a
credit note its PDF and when it was mailed. The errors are SQLSTATE 23001 (restrict_violation),
which Django raises as ``IntegrityError``. On SQLite (the embedded default) the models' ``save``
guard is the only check.
"""

from django.db import migrations

INVOICE_MUTABLE = ["state", "amount_paid", "amount_credited", "amount_due", "paid_at", "document_id", "mailed_at", "updated_at"]
CREDIT_NOTE_MUTABLE = ["document_id", "mailed_at"]


def _array(columns):
    return "ARRAY[" + ", ".join(f"'{c}'" for c in columns) + "]::text[]"


FORWARD = f"""
CREATE OR REPLACE FUNCTION billing_invoice_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.state <> 'draft' THEN
            RAISE EXCEPTION 'invoice % is issued and cannot be deleted', OLD.number USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.state <> 'draft' AND (
        NEW.state = 'draft'
        OR (to_jsonb(NEW) - {_array(INVOICE_MUTABLE)}) IS DISTINCT FROM (to_jsonb(OLD) - {_array(INVOICE_MUTABLE)})
    ) THEN
        RAISE EXCEPTION 'invoice % is issued: its content cannot change (issue a credit note)', OLD.number
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER billing_invoice_immutable BEFORE UPDATE OR DELETE ON billing_invoice
    FOR EACH ROW EXECUTE FUNCTION billing_invoice_immutable();

CREATE OR REPLACE FUNCTION billing_creditnote_immutable() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.issued_at IS NOT NULL THEN
            RAISE EXCEPTION 'credit note % is issued and cannot be deleted', OLD.number USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN OLD;
    END IF;
    IF OLD.issued_at IS NOT NULL AND
        (to_jsonb(NEW) - {_array(CREDIT_NOTE_MUTABLE)}) IS DISTINCT FROM (to_jsonb(OLD) - {_array(CREDIT_NOTE_MUTABLE)})
    THEN
        RAISE EXCEPTION 'credit note % is issued: its content cannot change', OLD.number USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER billing_creditnote_immutable BEFORE UPDATE OR DELETE ON billing_creditnote
    FOR EACH ROW EXECUTE FUNCTION billing_creditnote_immutable();

-- Lines and VAT rows of an issued document: no insert, update or delete.
CREATE OR REPLACE FUNCTION billing_document_part_immutable() RETURNS trigger AS $$
DECLARE
    parent_id bigint;
    issued boolean;
BEGIN
    IF TG_OP = 'DELETE' THEN
        parent_id := (to_jsonb(OLD) ->> TG_ARGV[1])::bigint;
    ELSE
        parent_id := (to_jsonb(NEW) ->> TG_ARGV[1])::bigint;
    END IF;
    IF TG_ARGV[0] = 'invoice' THEN
        SELECT state <> 'draft' INTO issued FROM billing_invoice WHERE id = parent_id;
    ELSE
        SELECT issued_at IS NOT NULL INTO issued FROM billing_creditnote WHERE id = parent_id;
    END IF;
    IF TG_OP = 'UPDATE' AND (to_jsonb(OLD) ->> TG_ARGV[1]) IS DISTINCT FROM (to_jsonb(NEW) ->> TG_ARGV[1]) THEN
        RAISE EXCEPTION '% of a % cannot move to another one', TG_TABLE_NAME, TG_ARGV[0] USING ERRCODE = 'restrict_violation';
    END IF;
    IF coalesce(issued, false) THEN
        RAISE EXCEPTION '% % is issued: its lines cannot change', TG_ARGV[0], parent_id USING ERRCODE = 'restrict_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER billing_invoiceline_immutable BEFORE INSERT OR UPDATE OR DELETE ON billing_invoiceline
    FOR EACH ROW EXECUTE FUNCTION billing_document_part_immutable('invoice', 'invoice_id');
CREATE TRIGGER billing_invoicevatrow_immutable BEFORE INSERT OR UPDATE OR DELETE ON billing_invoicevatrow
    FOR EACH ROW EXECUTE FUNCTION billing_document_part_immutable('invoice', 'invoice_id');
CREATE TRIGGER billing_creditnoteline_immutable BEFORE INSERT OR UPDATE OR DELETE ON billing_creditnoteline
    FOR EACH ROW EXECUTE FUNCTION billing_document_part_immutable('credit note', 'credit_note_id');
CREATE TRIGGER billing_creditnotevatrow_immutable BEFORE INSERT OR UPDATE OR DELETE ON billing_creditnotevatrow
    FOR EACH ROW EXECUTE FUNCTION billing_document_part_immutable('credit note', 'credit_note_id');

-- Payments applied are appended, never changed; counters never go back (no reused numbers).
CREATE OR REPLACE FUNCTION billing_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER billing_invoicepayment_append_only BEFORE UPDATE OR DELETE ON billing_invoicepayment
    FOR EACH ROW EXECUTE FUNCTION billing_append_only();

CREATE OR REPLACE FUNCTION billing_counter_forward() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.last < OLD.last OR NEW.series <> OLD.series OR NEW.year <> OLD.year THEN
        RAISE EXCEPTION 'number counters only count up' USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER billing_numbercounter_forward BEFORE UPDATE OR DELETE ON billing_numbercounter
    FOR EACH ROW EXECUTE FUNCTION billing_counter_forward();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS billing_numbercounter_forward ON billing_numbercounter;
DROP TRIGGER IF EXISTS billing_invoicepayment_append_only ON billing_invoicepayment;
DROP TRIGGER IF EXISTS billing_creditnotevatrow_immutable ON billing_creditnotevatrow;
DROP TRIGGER IF EXISTS billing_creditnoteline_immutable ON billing_creditnoteline;
DROP TRIGGER IF EXISTS billing_invoicevatrow_immutable ON billing_invoicevatrow;
DROP TRIGGER IF EXISTS billing_invoiceline_immutable ON billing_invoiceline;
DROP TRIGGER IF EXISTS billing_creditnote_immutable ON billing_creditnote;
DROP TRIGGER IF EXISTS billing_invoice_immutable ON billing_invoice;
DROP FUNCTION IF EXISTS billing_counter_forward();
DROP FUNCTION IF EXISTS billing_append_only();
DROP FUNCTION IF EXISTS billing_document_part_immutable();
DROP FUNCTION IF EXISTS billing_creditnote_immutable();
DROP FUNCTION IF EXISTS billing_invoice_immutable();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(FORWARD)  # no parameters: the '%' in RAISE stay as they are


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_provider_events")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
