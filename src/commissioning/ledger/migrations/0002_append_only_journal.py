"""Database triggers that refuse changes to the journal (transactions and postings), below the
ORM, as for the audit trail: PostgreSQL refuses UPDATE and DELETE; SQLite refuses UPDATE
(Django empties SQLite tables with DELETE when it flushes a test database; a deleted posting
is still caught by ``commissioning ledger verify`` as an unbalanced transaction)."""

from django.db import migrations

TABLES = ("ledger_transaction", "ledger_posting")
PG_CREATE = """
CREATE OR REPLACE FUNCTION ledger_journal_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the ledger journal is append-only: correct it with a reversing transaction';
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"CREATE TRIGGER {t}_no_update BEFORE UPDATE ON {t} FOR EACH ROW "
    f"EXECUTE FUNCTION ledger_journal_append_only();\n"
    f"CREATE TRIGGER {t}_no_delete BEFORE DELETE ON {t} FOR EACH ROW "
    f"EXECUTE FUNCTION ledger_journal_append_only();\n"
    for t in TABLES
)
PG_DROP = "".join(
    f"DROP TRIGGER IF EXISTS {t}_no_update ON {t}; DROP TRIGGER IF EXISTS {t}_no_delete ON {t};"
    for t in TABLES
) + "DROP FUNCTION IF EXISTS ledger_journal_append_only();"
SQLITE_CREATE = [
    f"CREATE TRIGGER {t}_no_update BEFORE UPDATE ON {t} BEGIN SELECT RAISE(ABORT, "
    f"'the ledger journal is append-only: correct it with a reversing transaction'); END;"
    for t in TABLES
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS {t}_no_update;" for t in TABLES]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_CREATE)
    elif vendor == "sqlite":
        for sql in SQLITE_CREATE:
            schema_editor.execute(sql)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DROP)
    elif vendor == "sqlite":
        for sql in SQLITE_DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
