"""Database triggers that refuse changes to audit revisions, below the ORM.

PostgreSQL refuses UPDATE and DELETE. SQLite refuses UPDATE only: Django empties SQLite tables
with DELETE when it flushes a test database, and a deleted revision is still caught by
``commissioning audit verify`` as a gap in the sequence.
"""

from django.db import migrations

PG_CREATE = """
CREATE OR REPLACE FUNCTION audit_revision_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit revisions are append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_revision_no_update BEFORE UPDATE ON audit_revision
    FOR EACH ROW EXECUTE FUNCTION audit_revision_append_only();
CREATE TRIGGER audit_revision_no_delete BEFORE DELETE ON audit_revision
    FOR EACH ROW EXECUTE FUNCTION audit_revision_append_only();
"""
PG_DROP = """
DROP TRIGGER IF EXISTS audit_revision_no_update ON audit_revision;
DROP TRIGGER IF EXISTS audit_revision_no_delete ON audit_revision;
DROP FUNCTION IF EXISTS audit_revision_append_only();
"""
SQLITE_CREATE = """
CREATE TRIGGER audit_revision_no_update BEFORE UPDATE ON audit_revision
BEGIN SELECT RAISE(ABORT, 'audit revisions are append-only'); END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS audit_revision_no_update;"


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_CREATE)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DROP)
    elif vendor == "sqlite":
        schema_editor.execute(SQLITE_DROP)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
