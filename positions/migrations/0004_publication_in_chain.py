"""Publications take their place in the sign-off chain (one sequence, one head).

Renumbering rows that are already anchored outside the database would break those anchors, so
existing publications are appended after the current head, in id order: their sequence numbers
say when they were chained, not when they were published (README, threat model). A head that is
missing while sign-offs exist means the chain is already broken: the publications are then left
unchained, and verify_signoffs reports both. On PostgreSQL the trigger that guards a publication's
bound fields now guards its place in the chain too."""

from django.db import migrations, models

GENESIS_HASH = "0" * 64


def chain_publications(apps, schema_editor):
    from positions.chain import PUBLICATION_CHAIN_COLUMNS, publication_link_hash

    SignOff = apps.get_model("positions", "SignOff")
    Head = apps.get_model("positions", "SignOffChainHead")
    Publication = apps.get_model("positions", "Publication")
    rows = list(
        Publication.objects.filter(sequence__isnull=True)
        .order_by("pk")
        .values_list("pk", *PUBLICATION_CHAIN_COLUMNS[1:])
    )
    if not rows:
        return
    head = Head.objects.filter(pk=1).first()
    if head is None:
        if SignOff.objects.exists():
            return
        head = Head.objects.create(pk=1, last_sequence=0, last_hash=GENESIS_HASH)
    sequence, previous = head.last_sequence, head.last_hash
    for pk, *values in rows:
        sequence += 1
        chain_hash = publication_link_hash(previous, (sequence, *values))
        Publication.objects.filter(pk=pk).update(
            sequence=sequence, previous_hash=previous, chain_hash=chain_hash
        )
        previous = chain_hash
    Head.objects.filter(pk=1).update(last_sequence=sequence, last_hash=previous)


BOUND = """
CREATE OR REPLACE FUNCTION positions_publication_bound() RETURNS trigger AS $$
BEGIN
    IF NEW.item_id IS DISTINCT FROM OLD.item_id
        OR NEW.revision_id IS DISTINCT FROM OLD.revision_id
        OR NEW.content_sha256 IS DISTINCT FROM OLD.content_sha256
        OR NEW.seal IS DISTINCT FROM OLD.seal
        OR NEW.published_at IS DISTINCT FROM OLD.published_at
        OR NEW.published_by_id IS DISTINCT FROM OLD.published_by_id
        OR NEW.url IS DISTINCT FROM OLD.url
        OR NEW.post_id IS DISTINCT FROM OLD.post_id%s THEN
        RAISE EXCEPTION '发布记录的签批绑定字段不能修改' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
"""
CHAINED = """
        OR NEW.sequence IS DISTINCT FROM OLD.sequence
        OR NEW.previous_hash IS DISTINCT FROM OLD.previous_hash
        OR NEW.chain_hash IS DISTINCT FROM OLD.chain_hash"""


def _on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("positions", "0003_append_only_triggers"),
    ]

    operations = [
        migrations.AddField(
            model_name="publication",
            name="chain_hash",
            field=models.CharField(blank=True, editable=False, max_length=64, verbose_name="chain hash"),
        ),
        migrations.AddField(
            model_name="publication",
            name="previous_hash",
            field=models.CharField(
                blank=True, editable=False, max_length=64, verbose_name="previous chain hash"
            ),
        ),
        migrations.AddField(
            model_name="publication",
            name="sequence",
            field=models.PositiveBigIntegerField(
                editable=False, null=True, unique=True, verbose_name="sequence"
            ),
        ),
        migrations.RunPython(chain_publications, migrations.RunPython.noop),
        migrations.RunPython(_on_postgresql(BOUND % CHAINED), _on_postgresql(BOUND % "")),
    ]
