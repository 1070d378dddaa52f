"""Every download of records is audited in one place (common/exports.py): who, what, filters and
the number of rows, as a DataExport and its entry of the audit trail."""

from __future__ import annotations

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from openpyxl import load_workbook

from ideology_office.accounts.models import DataExport
from ideology_office.accounts.roles import Role
from ideology_office.common.models import AuditEntry
from tests.factories import UserFactory


def _data_rows(response) -> int:
    from io import BytesIO

    workbook = load_workbook(BytesIO(response.getvalue()), read_only=True)
    return sum(len(list(sheet.iter_rows())) - 1 for sheet in workbook.worksheets)


@pytest.mark.django_db
def test_the_roster_export_is_recorded_with_who_what_filters_and_rows(client, leader):
    from tests.sentiment.factories import future_month, published_roster, staff_people

    month = future_month()
    published_roster(month=month, leader=leader, officers=staff_people(3), leaders=[leader])
    client.force_login(leader)
    response = client.get(
        reverse("sentiment:roster_export", args=[month.year, month.month]), REMOTE_ADDR="10.1.2.3"
    )
    assert response.status_code == 200
    export = DataExport.objects.get()
    assert export.user == leader and export.actor_label == leader.username
    assert export.remote_addr == "10.1.2.3"
    assert export.page == "sentiment:roster_export"
    assert export.what.endswith(f"{month:%Y-%m}.xlsx")
    assert export.filters == {"year": str(month.year), "month": str(month.month)}
    assert export.row_count == _data_rows(response) > 20
    # The record is itself in the audit trail, attributed to the person.
    entry = AuditEntry.objects.get(
        content_type=ContentType.objects.get_for_model(DataExport), object_pk=str(export.pk)
    )
    assert entry.actor_id == leader.pk and entry.remote_addr == "10.1.2.3"
    assert entry.changes["row_count"] == export.row_count


@pytest.mark.django_db
def test_the_query_string_is_recorded_as_the_filters(client, leader):
    client.force_login(leader)
    response = client.get(reverse("study:session_list"), {"kind": "central_group"})
    assert response.status_code == 200
    assert not DataExport.objects.exists(), "a page is not a download"
    url = reverse("study:session_list") + "?export=xlsx&kind=central_group&q=意识形态"
    response = client.get(url)
    assert response.status_code == 200
    export = DataExport.objects.get()
    assert export.filters == {"export": "xlsx", "kind": "central_group", "q": "意识形态"}
    assert export.what == "学习记录台账.xlsx"
    assert export.row_count == _data_rows(response)


@pytest.mark.django_db
def test_a_refused_download_records_nothing(client, staff):
    client.force_login(staff)
    response = client.get(reverse("reports:ledger_download", args=["office_meetings"]))
    assert response.status_code == 403
    assert not DataExport.objects.exists()


@pytest.mark.django_db
def test_only_the_audit_administrator_reads_the_exports(client, leader, admin_person):
    auditor = UserFactory(username="auditor1", is_staff=True, roles=[Role.AUDIT_ADMIN])
    client.force_login(leader)
    client.get(reverse("study:session_list") + "?export=xlsx")
    changelist = reverse("admin:accounts_dataexport_changelist")
    client.force_login(admin_person)
    assert client.get(changelist).status_code == 403
    client.force_login(auditor)
    page = client.get(changelist)
    assert page.status_code == 200 and "学习记录台账.xlsx" in page.content.decode()
