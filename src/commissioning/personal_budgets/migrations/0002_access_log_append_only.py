"""The access log to people's records is append-only below the ORM, as the audit trail and
the ledger's journal are: PostgreSQL refuses UPDATE and DELETE; SQLite refuses UPDATE
(Django empties SQLite tables with DELETE when it flushes a test database)."""

from django.db import migrations

T = "personal_budgets_access"
PG_CREATE = f"""
CREATE OR REPLACE FUNCTION phb_access_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER {T}_no_update BEFORE UPDATE ON {T} FOR EACH ROW
EXECUTE FUNCTION phb_access_append_only();
CREATE TRIGGER {T}_no_delete BEFORE DELETE ON {T} FOR EACH ROW
EXECUTE FUNCTION phb_access_append_only();
"""
PG_DROP = (
    f"DROP TRIGGER IF EXISTS {T}_no_update ON {T}; DROP TRIGGER IF EXISTS {T}_no_delete ON {T};"
    "DROP FUNCTION IF EXISTS phb_access_append_only();"
)
SQLITE_CREATE = (
    f"CREATE TRIGGER {T}_no_update BEFORE UPDATE ON {T} BEGIN SELECT RAISE(ABORT, "
    "'the access log is append-only'); END;"
)
SQLITE_DROP = f"DROP TRIGGER IF EXISTS {T}_no_update;"


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
    dependencies = [("personal_budgets", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
