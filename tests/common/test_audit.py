import pytest
from django.contrib.contenttypes.models import ContentType

from ideology_office.accounts.models import User
from ideology_office.common.audit import audit_context, record_batch, summarised_audit
from ideology_office.common.models import AuditEntry
from tests.testapp.models import Dossier


def entries_for(model):
    return AuditEntry.objects.filter(content_type=ContentType.objects.get_for_model(model)).order_by("pk")


@pytest.mark.django_db
def test_save_and_delete_are_recorded_with_who_and_what(staff):
    with audit_context(user=staff, remote_addr="10.1.2.3"):
        dossier = Dossier.objects.create(title="初稿", owner=staff)
        dossier.title = "定稿"
        dossier.save()
        dossier_pk = dossier.pk
        dossier.delete()

    create, update, delete = entries_for(Dossier)
    assert [create.action, update.action, delete.action] == ["create", "update", "delete"]
    assert {entry.object_pk for entry in (create, update, delete)} == {str(dossier_pk)}
    assert create.actor == staff and create.actor_label == staff.username
    assert create.remote_addr == "10.1.2.3"
    assert create.changes["title"] == "初稿"
    assert update.changes == {"title": ["初稿", "定稿"]}
    assert delete.changes["title"] == "定稿"
    assert not any(entry.is_bulk for entry in (create, update, delete))


@pytest.mark.django_db
def test_a_save_that_changes_nothing_leaves_no_entry(staff):
    dossier = Dossier.objects.create(title="不变", owner=staff)
    before = entries_for(Dossier).count()
    dossier.save()
    assert entries_for(Dossier).count() == before


@pytest.mark.django_db
def test_bulk_writes_are_recorded_row_by_row(staff):
    with audit_context(label="import_study_records"):
        created = Dossier.objects.bulk_create([Dossier(title=f"批量{n}", owner=staff) for n in range(3)])
        Dossier.objects.filter(title__startswith="批量").update(score=5)
        for dossier in created:
            dossier.score = 9
        Dossier.objects.bulk_update(created, ["score"])
        Dossier.objects.filter(pk=created[0].pk).delete()

    entries = list(entries_for(Dossier))
    assert all(entry.is_bulk for entry in entries)
    assert all(entry.actor_label == "import_study_records" and entry.actor is None for entry in entries)
    by_action = {}
    for entry in entries:
        by_action.setdefault(entry.action, []).append(entry)
    assert sorted(entry.object_pk for entry in by_action["create"]) == sorted(str(d.pk) for d in created)
    updates = by_action["update"]
    assert len(updates) == 6
    assert [entry.changes for entry in updates[:3]] == [{"score": [0, 5]}] * 3
    assert [entry.changes for entry in updates[3:]] == [{"score": [5, 9]}] * 3
    assert [entry.object_pk for entry in by_action["delete"]] == [str(created[0].pk)]


@pytest.mark.django_db
def test_an_update_that_matches_nothing_records_nothing(staff):
    Dossier.objects.filter(title="不存在").update(score=1)
    assert entries_for(Dossier).count() == 0


@pytest.mark.django_db
def test_passwords_are_never_written_to_the_trail(staff):
    staff.set_password("another-long-password")
    staff.save()
    entry = entries_for(User).filter(action="update").last()
    assert entry.changes["password"] == ["******", "******"]
    assert set(entry.changes) == {"password", "password_changed_at"}
    created = entries_for(User).filter(action="create").first()
    assert created.changes["password"] == "******"


@pytest.mark.django_db
def test_logging_in_leaves_one_sign_in_entry_and_no_change_of_the_person(client, staff, password):
    before = AuditEntry.objects.count()
    client.post("/accounts/login/", {"username": staff.username, "password": password})
    # The sign-in event (accounts.SecurityEvent), not last_login on the person.
    assert AuditEntry.objects.count() == before + 1
    assert AuditEntry.objects.first().content_type.model == "securityevent"


@pytest.mark.django_db
def test_the_trail_cannot_be_changed_or_deleted(staff):
    Dossier.objects.create(title="记录", owner=staff)
    entry = AuditEntry.objects.first()
    entry.actor_label = "someone else"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.update(actor_label="x")


@pytest.mark.django_db
def test_web_requests_are_attributed_to_the_signed_in_person(client, staff):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    dossier = Dossier.objects.create(title="记录", owner=staff)
    client.force_login(staff)
    content_type = ContentType.objects.get_for_model(dossier)
    client.post(
        reverse("common:attachment_upload", args=[content_type.pk, dossier.pk]),
        {"file": SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF")},
        REMOTE_ADDR="192.0.2.7",
    )
    entry = AuditEntry.objects.filter(content_type__model="attachment").get()
    assert entry.actor == staff
    assert entry.remote_addr == "192.0.2.7"


@pytest.mark.django_db
def test_the_audit_administrator_reads_the_trail_in_the_admin_and_nobody_edits_it(
    client, admin_person, staff, django_assert_max_num_queries
):
    from ideology_office.accounts.roles import Role
    from tests.factories import UserFactory

    for number in range(30):
        Dossier.objects.create(title=f"记录{number}", owner=staff)
    # 三员分立: only the 审计管理员 reads the trail, not the business-side 管理员.
    client.force_login(admin_person)
    assert client.get("/admin/common/auditentry/").status_code == 403
    client.force_login(UserFactory(username="audit1", is_staff=True, roles=[Role.AUDIT_ADMIN]))
    # A fixed number, whatever the size of the trail (one of them lists the people in it for the
    # person filter).
    with django_assert_max_num_queries(13):
        response = client.get("/admin/common/auditentry/")
    assert response.status_code == 200
    assert "记录29" in response.content.decode()
    entry = AuditEntry.objects.first()
    assert client.get(f"/admin/common/auditentry/{entry.pk}/change/").status_code == 200
    assert client.post(f"/admin/common/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    client.force_login(staff)
    assert client.get("/admin/common/auditentry/").status_code == 302


@pytest.mark.django_db
def test_inside_summarised_audit_a_bulk_create_leaves_one_entry_naming_every_row(staff):
    with audit_context(label="import_study_records"), summarised_audit(source="台账.xlsx"):
        created = Dossier.objects.bulk_create([Dossier(title=f"导入{n}", owner=staff) for n in range(3)])
        more = Dossier.objects.bulk_create([Dossier(title="导入3", owner=staff)])
        # Changes and deletions keep their entry per row, with the values.
        Dossier.objects.filter(pk=created[0].pk).update(score=5)
        Dossier.objects.filter(pk=more[0].pk).delete()

    creates = list(entries_for(Dossier).filter(action="create"))
    assert len(creates) == 2
    first, second = creates
    assert first.is_bulk and first.object_pk == ""
    assert first.actor_label == "import_study_records" and first.actor is None
    assert first.changes["source"] == "台账.xlsx"
    assert first.changes["count"] == 3
    assert first.changes["fields"] == ["id"]
    assert first.changes["rows"] == [[dossier.pk] for dossier in created]
    assert "台账.xlsx" in first.object_repr and f"#{created[0].pk}–#{created[-1].pk}" in first.object_repr
    assert second.changes["rows"] == [[more[0].pk]]
    update = entries_for(Dossier).get(action="update")
    assert (update.object_pk, update.changes) == (str(created[0].pk), {"score": [0, 5]})
    assert entries_for(Dossier).get(action="delete").object_pk == str(more[0].pk)


@pytest.mark.django_db
def test_outside_summarised_audit_no_summary_can_be_written(staff):
    with pytest.raises(RuntimeError):
        record_batch(Dossier, [(1,)], using="default")
    Dossier.objects.bulk_create([Dossier(title="逐行", owner=staff)])
    assert [entry.object_pk != "" for entry in entries_for(Dossier)] == [True]
