"""The chain head only moves forward, and only to the revision just appended: winding it
back (to hide revisions deleted from the end of the trail) is refused below the ORM. PostgreSQL
also refuses deleting it. (Someone who can drop the trigger can still do it; the anchor kept
outside the database catches that: ``commissioning audit verify --anchor``.)"""

from django.db import migrations

MESSAGE = "the audit chain head only moves forward, to the revision just appended"
PG_CREATE = f"""
CREATE OR REPLACE FUNCTION audit_head_forward() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '{MESSAGE}';
    END IF;
    IF NEW.last_seq < OLD.last_seq
       OR (NEW.last_seq = OLD.last_seq AND NEW.last_hash <> OLD.last_hash)
       OR (NEW.last_seq > 0 AND NOT EXISTS (
           SELECT 1 FROM audit_revision r WHERE r.seq = NEW.last_seq AND r.hash = NEW.last_hash))
    THEN
        RAISE EXCEPTION '{MESSAGE}';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_chainhead_forward BEFORE UPDATE OR DELETE ON audit_chainhead
    FOR EACH ROW EXECUTE FUNCTION audit_head_forward();
"""
PG_DROP = """
DROP TRIGGER IF EXISTS audit_chainhead_forward ON audit_chainhead;
DROP FUNCTION IF EXISTS audit_head_forward();
"""
# SQLite: updates only (Django empties SQLite tables with DELETE when it flushes a test
# database).
SQLITE_CREATE = f"""
CREATE TRIGGER audit_chainhead_forward BEFORE UPDATE ON audit_chainhead
WHEN NEW.last_seq < OLD.last_seq
  OR (NEW.last_seq = OLD.last_seq AND NEW.last_hash <> OLD.last_hash)
  OR (NEW.last_seq > 0 AND NOT EXISTS (
      SELECT 1 FROM audit_revision r WHERE r.seq = NEW.last_seq AND r.hash = NEW.last_hash))
BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END;
"""
SQLITE_DROP = "DROP TRIGGER IF EXISTS audit_chainhead_forward;"


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
    dependencies = [("audit", "0002_append_only_guard")]
    operations = [migrations.RunPython(create, drop)]
