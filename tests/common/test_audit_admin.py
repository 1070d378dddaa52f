"""The audit trail's admin for the 审计管理员 (issues #17 and #18): local time everywhere, real names,
an old → new table, a table that fits the page, filters by person, time range, kind of record and
record, the Excel export (itself recorded), archiving past retention without deleting anything —
and a refusal for every other role."""

import datetime
import hashlib
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from ideology_office.accounts.models import SecurityEvent
from ideology_office.accounts.roles import Role
from ideology_office.common.audit import audit_context
from ideology_office.common.audit_archive import check_retention
from ideology_office.common.audit_chain import seal_pending, verify_audit_chain
from ideology_office.common.models import AuditArchive, AuditEntry
from tests.factories import UserFactory
from tests.testapp.models import Dossier

pytestmark = pytest.mark.django_db

LIST = "/admin/common/auditentry/"


@pytest.fixture
def auditor(db):
    return UserFactory(username="aud1", real_name="审计管理员甲", is_staff=True, roles=[Role.AUDIT_ADMIN])


@pytest.fixture
def writer(db):
    return UserFactory(username="zhangsan", real_name="张三", roles=[Role.STAFF])


@pytest.fixture
def archive_dir(settings, tmp_path):
    settings.AUDIT_ARCHIVE_DIR = str(tmp_path / "archives")
    return Path(settings.AUDIT_ARCHIVE_DIR)


def _dossier(writer, title="卷宗"):
    with audit_context(user=writer, remote_addr="10.0.0.9"):
        dossier = Dossier.objects.create(title=title, owner=writer)
        dossier.title = f"{title}（改）"
        dossier.save()
    return dossier


def _entries(dossier):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Dossier), object_pk=str(dossier.pk)
    ).order_by("pk")


def test_an_entry_shows_local_time_in_its_title_and_breadcrumb(client, auditor, writer):
    entry = AuditEntry.objects.create(
        timestamp=datetime.datetime(2026, 3, 1, 0, 30, tzinfo=datetime.UTC),
        actor=writer,
        actor_label=writer.username,
        action="update",
        content_type=ContentType.objects.get_for_model(Dossier),
        object_pk="1",
        object_repr="卷宗",
        changes={"title": ["甲", "乙"]},
    )
    client.force_login(auditor)
    page = client.get(f"{LIST}{entry.pk}/change/").content.decode()
    title = page.split("<title>")[1].split("</title>")[0]
    breadcrumbs = page.split('class="breadcrumbs"')[1].split("</div>")[0]
    # Asia/Shanghai is eight hours ahead of UTC.
    assert "2026-03-01 08:30" in title and "2026-03-01 08:30" in breadcrumbs
    assert "00:30" not in title and "00:30" not in breadcrumbs


def test_the_list_shows_real_names_not_login_names(client, auditor, writer):
    _dossier(writer)
    client.force_login(auditor)
    page = client.get(LIST).content.decode()
    rows = page.split('id="result_list"')[1]
    assert "张三" in rows
    assert ">zhangsan<" not in rows


def test_an_entry_shows_an_old_to_new_table_not_json(client, auditor, writer):
    dossier = _dossier(writer, "初稿")
    update = _entries(dossier).filter(action="update").get()
    client.force_login(auditor)
    page = client.get(f"{LIST}{update.pk}/change/").content.decode()
    assert '<table class="audit-changes">' in page
    table = page.split('<table class="audit-changes">')[1].split("</table>")[0]
    label = str(Dossier._meta.get_field("title").verbose_name)
    assert f"<th scope='row'>{label}</th><td>初稿</td><td>初稿（改）</td>" in table
    assert json.dumps(update.changes, ensure_ascii=False) not in page
    assert '{"title"' not in page


def test_the_audit_table_fits_the_page(client, auditor, writer):
    _dossier(writer, "很长的记录名称" * 13)  # within the title's 100 characters
    client.force_login(auditor)
    page = client.get(LIST).content.decode()
    assert "css/admin-audit.css" in page
    css = (Path(settings.BASE_DIR) / "static" / "css" / "admin-audit.css").read_text(encoding="utf-8")
    rule = css.split("#changelist #result_list {")[1].split("}")[0]
    assert "table-layout: fixed" in rule and "width: 100%" in rule
    assert "overflow-wrap: anywhere" in css


def test_filters_by_person_time_range_kind_and_record(client, auditor, writer):
    other = UserFactory(username="lisi", real_name="李四", roles=[Role.STAFF])
    mine, theirs = _dossier(writer, "甲"), _dossier(other, "乙")
    old = AuditEntry.objects.create(
        timestamp=datetime.datetime(2025, 1, 5, 3, 0, tzinfo=datetime.UTC),
        actor=writer,
        actor_label=writer.username,
        action="update",
        content_type=ContentType.objects.get_for_model(Dossier),
        object_pk=str(mine.pk),
        object_repr="旧",
        changes={},
    )
    client.force_login(auditor)
    type_id = ContentType.objects.get_for_model(Dossier).pk

    def shown(**params):
        response = client.get(LIST, params)
        assert response.status_code == 200
        return {entry.pk for entry in response.context["cl"].result_list}

    assert shown(actor__id__exact=writer.pk, content_type__id__exact=type_id) == set(
        _entries(mine).values_list("pk", flat=True)
    ) | {old.pk}
    assert shown(content_type__id__exact=type_id, q=str(theirs.pk)) >= set(
        _entries(theirs).values_list("pk", flat=True)
    )
    assert shown(since="2025-01-05", until="2025-01-05") == {old.pk}
    assert old.pk not in shown(since="2025-01-06")
    assert client.get(LIST, {"since": "不是日期"}).status_code in (200, 302)


def test_the_audit_administrator_exports_excel_and_the_export_is_recorded(client, auditor, writer):
    dossier = _dossier(writer)
    wanted = list(_entries(dossier).values_list("pk", flat=True))
    client.force_login(auditor)
    response = client.post(LIST, {"action": "export_excel", "_selected_action": [str(pk) for pk in wanted]})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.getvalue()), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + len(wanted)
    assert {row[2] for row in rows[1:]} == {"张三"}
    assert any("初稿" in (row[9] or "") or "卷宗" in (row[9] or "") for row in rows[1:])
    event = SecurityEvent.objects.get(kind="audit_exported", user=auditor)
    assert AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(SecurityEvent), object_pk=str(event.pk)
    ).exists()


@pytest.mark.parametrize(
    "role",
    [
        Role.ADMIN,
        Role.LEADER,
        Role.SECTION_HEAD,
        Role.STAFF,
        Role.INSPECTOR,
        Role.SYSTEM_ADMIN,
        Role.SECURITY_ADMIN,
        None,
        "superuser",
    ],
)
def test_every_other_role_is_refused(client, writer, archive_dir, role):
    _dossier(writer)
    if role == "superuser":
        person = UserFactory(username="root1", is_staff=True, is_superuser=True)
    else:
        person = UserFactory(username="someone", is_staff=True, roles=[role] if role else [])
    client.force_login(person)
    assert client.get(LIST).status_code == 403
    entry = AuditEntry.objects.first()
    assert client.get(f"{LIST}{entry.pk}/change/").status_code == 403
    for action in ("export_excel", "export_audit_entries"):
        response = client.post(LIST, {"action": action, "_selected_action": [str(entry.pk)]})
        assert response.status_code == 403
    assert client.post("/admin/common/auditarchive/archive/").status_code == 403
    assert client.get("/admin/common/auditarchive/").status_code == 403
    assert not SecurityEvent.objects.filter(kind="audit_exported").exists()
    assert not AuditArchive.objects.exists()


def _old_entries(writer, count=3, days=200):
    content_type = ContentType.objects.get_for_model(Dossier)
    moment = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=days)
    return [
        AuditEntry.objects.create(
            timestamp=moment + datetime.timedelta(minutes=number),
            actor=writer,
            actor_label=writer.username,
            action="create",
            content_type=content_type,
            object_pk=str(number),
            object_repr=f"旧记录{number}",
            changes={"title": f"旧{number}"},
        )
        for number in range(count)
    ]


def test_archiving_exports_with_a_digest_and_manifest_and_deletes_nothing(
    client, auditor, writer, archive_dir
):
    old = _old_entries(writer)
    _dossier(writer)  # recent: not archived
    seal_pending()
    total = AuditEntry.objects.count()
    client.force_login(auditor)
    response = client.post("/admin/common/auditarchive/archive/")
    assert response.status_code == 302
    archive = AuditArchive.objects.get()
    assert archive.entry_count == len(old) and archive.created_by == auditor
    path = archive_dir / archive.file_name
    assert hashlib.sha256(path.read_bytes()).hexdigest() == archive.sha256
    manifest = json.loads((archive_dir / f"{archive.file_name}.manifest.json").read_text(encoding="utf-8"))
    assert manifest["sha256"] == archive.sha256 and manifest["entries"] == len(old)
    rows = list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))
    assert sorted(row[8] for row in rows[1:]) == sorted(entry.object_repr for entry in old)
    # Nothing left the table; the archive is itself in the trail; the chain still verifies.
    assert AuditEntry.objects.filter(pk__in=[entry.pk for entry in old]).count() == len(old)
    assert AuditEntry.objects.count() == total + 1
    assert AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(AuditArchive), object_pk=str(archive.pk)
    ).exists()
    seal_pending()
    assert verify_audit_chain().problems == []
    # Marked archived on the page; a second run has nothing new to archive.
    shown = {entry.pk for entry in client.get(LIST, {"archived": "yes"}).context["cl"].result_list}
    assert shown == {entry.pk for entry in old}
    client.post("/admin/common/auditarchive/archive/")
    assert AuditArchive.objects.count() == 1
    # The admin offers no delete anywhere.
    assert client.get(f"{LIST}{old[0].pk}/delete/").status_code == 403


def test_nothing_within_the_retention_period_is_archived(auditor, writer, archive_dir):
    _old_entries(writer, days=170)
    with pytest.raises(CommandError, match="没有超过保存期限"):
        call_command("archive_audit", "--user", auditor.username, stdout=io.StringIO())


def test_the_archive_command_is_for_the_audit_administrator_only(auditor, writer, archive_dir, admin_person):
    _old_entries(writer)
    with pytest.raises(CommandError, match="拒绝"):
        call_command("archive_audit", "--user", admin_person.username, stdout=io.StringIO())
    out = io.StringIO()
    call_command("archive_audit", "--user", auditor.username, stdout=out)
    assert "已归档 3 条审计记录" in out.getvalue()


def test_retention_below_180_days_is_refused(settings):
    settings.AUDIT_RETENTION_DAYS = 179
    assert [error.id for error in check_retention()] == ["common.E001"]
    settings.AUDIT_RETENTION_DAYS = 180
    assert check_retention() == []
