"""Chain the entries written before the audit chain existed (in id order, under the chain key), and
let PostgreSQL refuse every rewrite of the trail:

* an audit entry may be UPDATEd once only, from unchained to chained (sequence, previous hash and
  chain hash set, nothing else changed); never DELETEd;
* the chain head may only move forward, never be deleted;
* an audit archive is never changed or deleted.

(Raw triggers, as the sign-off chain's in positions/0003, so both chains are guarded one way.)
SQLite keeps the application's guards."""

from django.db import migrations

TRIGGERS = """
CREATE OR REPLACE FUNCTION common_audit_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.sequence IS NULL AND NEW.sequence IS NOT NULL
        AND OLD.chain_hash = '' AND NEW.chain_hash <> ''
        AND (to_jsonb(NEW) - 'sequence' - 'previous_hash' - 'chain_hash')
            = (to_jsonb(OLD) - 'sequence' - 'previous_hash' - 'chain_hash') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION '审计日志只能追加，不能修改或删除' USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION common_refuse_rewrite() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '审计记录只能追加，不能修改或删除（%）', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION common_audit_head_forward() RETURNS trigger AS $$
BEGIN
    IF NEW.last_sequence <= OLD.last_sequence OR NEW.id <> OLD.id THEN
        RAISE EXCEPTION '审计链头只能向前移动' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS common_audit_append_only ON common_auditentry;
CREATE TRIGGER common_audit_append_only BEFORE UPDATE OR DELETE ON common_auditentry
    FOR EACH ROW EXECUTE FUNCTION common_audit_append_only();
DROP TRIGGER IF EXISTS common_audit_head_no_delete ON common_auditchainhead;
CREATE TRIGGER common_audit_head_no_delete BEFORE DELETE ON common_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION common_refuse_rewrite();
DROP TRIGGER IF EXISTS common_audit_head_forward ON common_auditchainhead;
CREATE TRIGGER common_audit_head_forward BEFORE UPDATE ON common_auditchainhead
    FOR EACH ROW EXECUTE FUNCTION common_audit_head_forward();
DROP TRIGGER IF EXISTS common_audit_archive_fixed ON common_auditarchive;
CREATE TRIGGER common_audit_archive_fixed BEFORE UPDATE OR DELETE ON common_auditarchive
    FOR EACH ROW EXECUTE FUNCTION common_refuse_rewrite();
"""

DROP = """
DROP TRIGGER IF EXISTS common_audit_head_no_delete ON common_auditchainhead;
DROP TRIGGER IF EXISTS common_audit_head_forward ON common_auditchainhead;
DROP TRIGGER IF EXISTS common_audit_archive_fixed ON common_auditarchive;
DROP FUNCTION IF EXISTS common_audit_head_forward();
DROP FUNCTION IF EXISTS common_refuse_rewrite();
"""


def chain_existing(apps, schema_editor):
    from ideology_office.common.anchors import GENESIS_HASH, chain_key
    from ideology_office.common.trail import PAYLOAD_COLUMNS, entry_mac, link_hash

    AuditEntry = apps.get_model("common", "AuditEntry")
    Head = apps.get_model("common", "AuditChainHead")
    connection = schema_editor.connection
    postgresql = connection.vendor == "postgresql"
    key = chain_key()
    sequence, previous = 0, GENESIS_HASH
    with connection.cursor() as cursor:
        if postgresql:
            cursor.execute("ALTER TABLE common_auditentry DISABLE TRIGGER common_audit_append_only")
        after = 0
        while True:
            rows = list(
                AuditEntry.objects.filter(pk__gt=after).order_by("pk").values_list("pk", *PAYLOAD_COLUMNS)[:5000]
            )
            if not rows:
                break
            links = []
            for pk, *values in rows:
                mac = entry_mac(values, key)
                sequence += 1
                chain_hash = link_hash(previous, sequence, mac, key)
                links.append((mac, sequence, previous, chain_hash, pk))
                previous = chain_hash
            cursor.executemany(
                "UPDATE common_auditentry SET entry_mac = %s, sequence = %s, previous_hash = %s,"
                " chain_hash = %s WHERE id = %s",
                links,
            )
            after = rows[-1][0]
        if postgresql:
            cursor.execute("ALTER TABLE common_auditentry ENABLE TRIGGER common_audit_append_only")
    Head.objects.update_or_create(pk=1, defaults={"last_sequence": sequence, "last_hash": previous})


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("common", "0003_audit_chain_and_archive")]

    operations = [
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.RunPython(_on_postgresql(TRIGGERS), _on_postgresql(DROP)),
    ]
