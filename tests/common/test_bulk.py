"""insert_rows(): the imports' bulk insert (COPY on PostgreSQL, bulk_create elsewhere)."""

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType

from ideology_office.common.audit import audit_context, summarised_audit
from ideology_office.common.bulk import insert_rows
from ideology_office.common.models import AuditEntry
from tests.testapp.models import Dossier


@pytest.mark.django_db
def test_rows_are_inserted_exactly_with_defaults_and_their_keys_returned(staff):
    awkward = "制表符\there, a backslash \\N, a new line\nand a return\r; 引号 \"'"
    with audit_context(label="tester"), summarised_audit(source="records.xlsx"):
        pks = insert_rows(
            Dossier,
            ("title", "owner_id", "score"),
            [(awkward, staff.pk, 3), ("普通", staff.pk, 0)],
            return_pks=True,
        )
    first, second = (Dossier.objects.get(pk=pk) for pk in pks)
    assert (first.title, first.owner, first.score) == (awkward, staff, 3)
    assert second.title == "普通"
    # Fields not given get their defaults, as bulk_create() would give them.
    assert first.created_at is not None and first.updated_at is not None
    assert (first.void_reason, first.voided_at, first.created_by) == ("", None, None)


@pytest.mark.django_db
def test_each_call_for_an_audited_model_leaves_one_summarising_entry(staff):
    with audit_context(user=staff), summarised_audit(source="records.xlsx"):
        pks = insert_rows(
            Dossier, ("title", "owner_id"), [(f"第{n}条", staff.pk) for n in range(5)], return_pks=True
        )
    entry = AuditEntry.objects.get(content_type=ContentType.objects.get_for_model(Dossier))
    assert (entry.action, entry.is_bulk, entry.actor) == ("create", True, staff)
    assert entry.changes["count"] == 5
    assert entry.changes["rows"] == [[pk] for pk in pks]


@pytest.mark.django_db
def test_audited_rows_cannot_be_inserted_outside_summarised_audit(staff):
    with pytest.raises(RuntimeError):
        insert_rows(Dossier, ("title", "owner_id"), [("未记", staff.pk)])
    assert not Dossier.objects.exists()


@pytest.mark.django_db
def test_rows_of_a_plain_table_need_no_audit_and_a_row_of_the_wrong_width_is_refused():
    group = Group.objects.create(name="组")
    permissions = list(Permission.objects.order_by("pk").values_list("pk", flat=True)[:3])
    through = Group.permissions.through
    assert insert_rows(through, ("group_id", "permission_id"), [(group.pk, pk) for pk in permissions]) is None
    assert sorted(group.permissions.values_list("pk", flat=True)) == permissions
    with pytest.raises(ValueError):
        insert_rows(through, ("group_id", "permission_id"), [(group.pk,)])
