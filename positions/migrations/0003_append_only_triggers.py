"""On PostgreSQL the database itself refuses to rewrite the record: UPDATE and DELETE of sign-offs,
DELETE of the chain head and any UPDATE that does not move it forward, UPDATE of a publication's
bound fields and DELETE of publications. (SQLite keeps the application's guards only.) Someone who
can drop the triggers can still rewrite rows: the keyed hashes and the anchors are what shows it."""

from django.db import migrations

TRIGGERS = """
CREATE OR REPLACE FUNCTION positions_refuse_rewrite() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '签批记录只能追加，不能修改或删除（%）', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION positions_head_forward() RETURNS trigger AS $$
BEGIN
    IF NEW.last_sequence <= OLD.last_sequence OR NEW.id <> OLD.id THEN
        RAISE EXCEPTION '签批链头只能向前移动' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE OR REPLACE FUNCTION positions_publication_bound() RETURNS trigger AS $$
BEGIN
    IF NEW.item_id IS DISTINCT FROM OLD.item_id
        OR NEW.revision_id IS DISTINCT FROM OLD.revision_id
        OR NEW.content_sha256 IS DISTINCT FROM OLD.content_sha256
        OR NEW.seal IS DISTINCT FROM OLD.seal
        OR NEW.published_at IS DISTINCT FROM OLD.published_at
        OR NEW.published_by_id IS DISTINCT FROM OLD.published_by_id
        OR NEW.url IS DISTINCT FROM OLD.url
        OR NEW.post_id IS DISTINCT FROM OLD.post_id THEN
        RAISE EXCEPTION '发布记录的签批绑定字段不能修改' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS positions_signoff_append_only ON positions_signoff;
CREATE TRIGGER positions_signoff_append_only BEFORE UPDATE OR DELETE ON positions_signoff
    FOR EACH ROW EXECUTE FUNCTION positions_refuse_rewrite();
DROP TRIGGER IF EXISTS positions_head_no_delete ON positions_signoffchainhead;
CREATE TRIGGER positions_head_no_delete BEFORE DELETE ON positions_signoffchainhead
    FOR EACH ROW EXECUTE FUNCTION positions_refuse_rewrite();
DROP TRIGGER IF EXISTS positions_head_forward ON positions_signoffchainhead;
CREATE TRIGGER positions_head_forward BEFORE UPDATE ON positions_signoffchainhead
    FOR EACH ROW EXECUTE FUNCTION positions_head_forward();
DROP TRIGGER IF EXISTS positions_publication_no_delete ON positions_publication;
CREATE TRIGGER positions_publication_no_delete BEFORE DELETE ON positions_publication
    FOR EACH ROW EXECUTE FUNCTION positions_refuse_rewrite();
DROP TRIGGER IF EXISTS positions_publication_bound ON positions_publication;
CREATE TRIGGER positions_publication_bound BEFORE UPDATE ON positions_publication
    FOR EACH ROW EXECUTE FUNCTION positions_publication_bound();
"""

DROP = """
DROP TRIGGER IF EXISTS positions_signoff_append_only ON positions_signoff;
DROP TRIGGER IF EXISTS positions_head_no_delete ON positions_signoffchainhead;
DROP TRIGGER IF EXISTS positions_head_forward ON positions_signoffchainhead;
DROP TRIGGER IF EXISTS positions_publication_no_delete ON positions_publication;
DROP TRIGGER IF EXISTS positions_publication_bound ON positions_publication;
DROP FUNCTION IF EXISTS positions_refuse_rewrite();
DROP FUNCTION IF EXISTS positions_head_forward();
DROP FUNCTION IF EXISTS positions_publication_bound();
"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("positions", "0002_publication_content_sha256_publication_seal")]

    operations = [migrations.RunPython(_on_postgresql(TRIGGERS), _on_postgresql(DROP))]
