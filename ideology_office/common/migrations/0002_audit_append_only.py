"""On PostgreSQL the database refuses UPDATE and DELETE of audit entries (only the actor may be set
to NULL, as deleting a person would). SQLite keeps the application's guard (AuditEntryQuerySet)."""

from django.db import migrations

TRIGGERS = """
CREATE OR REPLACE FUNCTION common_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL
        AND (to_jsonb(NEW) - 'actor_id') = (to_jsonb(OLD) - 'actor_id') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '审计日志只能追加，不能修改或删除' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS common_audit_append_only ON common_auditentry;
CREATE TRIGGER common_audit_append_only BEFORE UPDATE OR DELETE ON common_auditentry
    FOR EACH ROW EXECUTE FUNCTION common_audit_append_only();
"""

DROP = """
DROP TRIGGER IF EXISTS common_audit_append_only ON common_auditentry;
DROP FUNCTION IF EXISTS common_audit_append_only();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("common", "0001_evidence_and_audit_trail")]

    operations = [migrations.RunPython(_on_postgresql(TRIGGERS), _on_postgresql(DROP))]
