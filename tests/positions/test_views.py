import datetime
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from ideology_office.accounts.roles import Role
from positions import services
from positions.models import ContentItem, PhysicalUpdate, SignOff

from ..factories import UserFactory
from .factories import Desk, PhysicalPlatformFactory, photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(db):
    return Desk()


def login(client, user):
    client.force_login(user)
    return client


def test_pages_need_a_role(client, desk):
    login(client, UserFactory())
    # The one gate: no role, no work area (403 with the hint to ask an administrator).
    assert client.get(reverse("positions:index")).status_code == 403
    assert client.get(reverse("positions:item_list")).status_code == 403


def test_index_shows_what_needs_attention(client, desk):
    item = desk.submitted(title="等我初审")
    response = login(client, desk.first).get(reverse("positions:index"))
    assert response.status_code == 200
    assert "等我初审" in response.content.decode()
    assert item.pk


def test_author_drafts_and_submits_through_the_forms(client, desk):
    login(client, desk.author)
    response = client.post(
        reverse("positions:item_create"),
        {"platform": desk.platform.pk, "title": "新稿", "body": "正文", "sensitivity": "normal"},
    )
    item = ContentItem.objects.get(title="新稿")
    assert response.status_code == 302 and response.url == item.get_absolute_url()
    client.post(reverse("positions:item_submit", args=[item.pk]))
    item.refresh_from_db()
    assert item.status == ContentItem.Status.IN_REVIEW


def test_bad_drafts_show_errors_and_write_nothing(client, desk):
    login(client, desk.author)
    response = client.post(reverse("positions:item_create"), {"platform": "abc", "title": "", "body": ""})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not ContentItem.objects.exists()
    board = PhysicalPlatformFactory()
    response = client.post(
        reverse("positions:item_create"),
        {"platform": board.pk, "title": "t", "body": "b", "sensitivity": "normal"},
    )
    assert "platform" in response.context["form"].errors


def test_reviewer_signs_through_the_form_and_the_opinion_is_required(client, desk):
    item = desk.submitted()
    login(client, desk.first)
    url = reverse("positions:item_sign", args=[item.pk])
    client.post(url, {"decision": "approve", "opinion": "", "revision_id": item.current_revision_id})
    assert not SignOff.objects.exists()
    client.post(url, {"decision": "approve", "opinion": "同意", "revision_id": item.current_revision_id})
    item.refresh_from_db()
    assert item.current_step == "second"


def test_sign_form_refuses_someone_else(client, desk):
    item = desk.submitted()
    login(client, desk.second)
    response = client.post(
        reverse("positions:item_sign", args=[item.pk]),
        {"decision": "approve", "opinion": "同意", "revision_id": item.current_revision_id},
        follow=True,
    )
    assert not SignOff.objects.exists()
    assert [message.level_tag for message in response.context["messages"]] == ["error"]


def test_superuser_cannot_sign_through_the_form(client, desk):
    boss = UserFactory(is_superuser=True, is_staff=True, roles=[Role.ADMIN])
    item = desk.submitted()
    login(client, boss).post(
        reverse("positions:item_sign", args=[item.pk]),
        {"decision": "approve", "opinion": "同意", "revision_id": item.current_revision_id},
    )
    assert not SignOff.objects.exists()


def test_publish_form_records_the_approved_revision(client, desk):
    item = desk.approved()
    login(client, desk.publisher).post(
        reverse("positions:item_publish", args=[item.pk]), {"url": "https://www.example.gov.cn/1.html"}
    )
    item.refresh_from_db()
    assert item.status == ContentItem.Status.PUBLISHED


def test_publish_form_cannot_publish_an_unapproved_item(client, desk):
    item = desk.submitted()
    login(client, desk.publisher).post(
        reverse("positions:item_publish", args=[item.pk]), {"url": "https://www.example.gov.cn/1.html"}
    )
    item.refresh_from_db()
    assert item.status == ContentItem.Status.IN_REVIEW


def test_edit_form_voids_sign_offs(client, desk):
    item = desk.submitted()
    desk.sign(item, "first")
    login(client, desk.author).post(
        reverse("positions:item_edit", args=[item.pk]),
        {"title": item.title, "body": "改了", "sensitivity": "normal"},
    )
    item.refresh_from_db()
    assert item.review_round == 2 and item.current_step == "first"


def test_guessed_ids_give_404(client, desk):
    item = desk.draft()
    stranger = UserFactory(roles=[Role.STAFF])
    login(client, stranger)
    for name in ("item_detail", "item_edit", "item_review_form", "item_review_form_docx"):
        assert client.get(reverse(f"positions:{name}", args=[item.pk])).status_code == 404
    assert client.get(reverse("positions:item_detail", args=[999999])).status_code == 404
    assert client.post(reverse("positions:item_submit", args=[item.pk])).status_code == 404
    board = PhysicalPlatformFactory()
    assert client.get(reverse("positions:physical_update_create", args=[board.pk])).status_code == 403
    assert client.get(reverse("positions:platform_detail", args=[999999])).status_code == 404


def test_reviewer_sees_what_changed_since_last_visit(client, desk):
    item = desk.submitted(body="原来的一句")
    login(client, desk.first)
    assert client.get(item.get_absolute_url()).context["diff"] is None
    services.content_item_edit(item=item, user=desk.author, title=item.title, body="新的一句")
    response = client.get(item.get_absolute_url())
    diff = response.context["diff"]
    assert {"kind": "changed", "old": "原来的一句", "new": "新的一句"} in diff
    assert 'class="diff-changed"' in response.content.decode()
    assert client.get(item.get_absolute_url()).context["diff"] is None


def _make_items(desk, count):
    for number in range(count):
        item = desk.submitted(title=f"稿件{number}")
        desk.sign(item, "first")


@pytest.mark.parametrize("name", ["positions:item_list", "positions:queue", "positions:index"])
def test_lists_use_the_same_queries_for_5_and_50_rows(client, desk, name, django_assert_max_num_queries):
    login(client, desk.second)
    _make_items(desk, 5)
    client.get(reverse(name))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse(name)).status_code == 200
    _make_items(desk, 45)
    with django_assert_max_num_queries(len(small)):
        assert client.get(reverse(name)).status_code == 200


def test_detail_and_review_form_queries_do_not_grow_with_sign_offs(
    client, desk, django_assert_max_num_queries
):
    small_item = desk.approved(title="少")
    big_item = desk.submitted(title="多")
    for _round in range(8):
        desk.sign(big_item, "first")
        big_item.refresh_from_db()
        services.content_item_edit(
            item=big_item, user=desk.author, title=big_item.title, body=f"第{_round}稿"
        )
    login(client, desk.final)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for name in ("positions:item_detail", "positions:item_review_form", "positions:item_review_form_docx"):
        client.get(reverse(name, args=[small_item.pk]))
        client.get(reverse(name, args=[big_item.pk]))
        with CaptureQueriesContext(connection) as small:
            client.get(reverse(name, args=[small_item.pk]))
        with django_assert_max_num_queries(len(small) + 1):
            client.get(reverse(name, args=[big_item.pk]))


def test_review_form_page_and_word_document_carry_every_sign_off(client, desk):
    item = desk.published()
    login(client, desk.author)
    page = client.get(reverse("positions:item_review_form", args=[item.pk])).content.decode()
    assert "信息发布审核表" in page
    for row in SignOff.objects.filter(item=item):
        assert row.content_sha256 in page
    response = client.get(reverse("positions:item_review_form_docx", args=[item.pk]))
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    document = Document(BytesIO(response.getvalue()))
    text = "\n".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert "领导丁 副主任" in text
    assert item.approved_revision.sha256 in text
    assert "终审" in text and "三校" in text


def test_ledger_export_for_a_period(client, desk, leader, django_assert_max_num_queries):
    desk.approved(title='=HYPERLINK("x")')
    today = timezone.localdate()
    login(client, leader)
    url = reverse("positions:ledger_export") + f"?start={today:%Y-%m-%d}&end={today:%Y-%m-%d}"
    # The rows, and the whole chain verified for the footer (a fixed number of queries), and the
    # record of the download with its audit entry (common/exports.py).
    with django_assert_max_num_queries(13):
        response = client.get(url)
    sheet = load_workbook(BytesIO(response.getvalue())).active
    rows = list(sheet.iter_rows(values_only=True))
    signoffs = SignOff.objects.count()
    assert len(rows) == 1 + signoffs + 3
    assert rows[1][2].startswith("'=")
    for _ in range(5):
        desk.approved()
    with django_assert_max_num_queries(13):
        client.get(url)


def test_ledger_export_rejects_a_bad_period_and_non_managers(client, desk, leader, staff):
    login(client, leader)
    response = client.get(reverse("positions:ledger_export") + "?start=2025-02-01&end=2025-01-01")
    assert response.status_code == 400
    login(client, staff)
    assert (
        client.get(reverse("positions:ledger_export") + "?start=2025-01-01&end=2025-02-01").status_code == 403
    )


def test_physical_update_form_requires_a_photo(client):
    board = PhysicalPlatformFactory()
    login(client, board.responsible_person)
    url = reverse("positions:physical_update_create", args=[board.pk])
    data = {"content": "国庆主题", "start_date": "2025-09-20", "approved_by": board.responsible_person.pk}
    response = client.post(url, data)
    assert response.status_code == 200 and "photo" in response.context["form"].errors
    response = client.post(url, {**data, "photo": photo()})
    update = PhysicalUpdate.objects.get()
    assert response.url == update.get_absolute_url()
    page = client.get(update.get_absolute_url()).content.decode()
    assert "photo.png" in page


def test_platform_pages(client, desk):
    board = PhysicalPlatformFactory(name="一楼宣传栏")
    login(client, desk.author)
    page = client.get(reverse("positions:platform_list")).content.decode()
    assert "一楼宣传栏" in page
    assert client.get(reverse("positions:platform_detail", args=[board.pk])).status_code == 200
    assert client.get(reverse("positions:platform_detail", args=[desk.platform.pk])).status_code == 200


def test_key_dates_page_and_task_planning(client, leader, staff):
    from positions.models import KeyDate, PublicityTask

    national_day = services.key_date_save(key_date=KeyDate(name="国庆", month=10, day=1), user=leader)
    login(client, leader)
    response = client.post(
        reverse("positions:task_create"),
        {
            "key_date": national_day.pk,
            "year": 2025,
            "title": "国庆专栏",
            "owner": staff.pk,
            "deadline": "2025-10-09",
        },
    )
    assert response.status_code == 200 and response.context["form"].errors
    client.post(
        reverse("positions:task_create"),
        {
            "key_date": national_day.pk,
            "year": 2025,
            "title": "国庆专栏",
            "owner": staff.pk,
            "deadline": "2025-09-25",
        },
    )
    task = PublicityTask.objects.get()
    page = client.get(reverse("positions:key_date_list") + "?year=2025").content.decode()
    assert "国庆专栏" in page and "2025-10-01" in page
    login(client, staff)
    assert client.get(reverse("positions:task_create")).status_code == 403
    client.post(reverse("positions:task_complete", args=[task.pk]))
    task.refresh_from_db()
    assert task.status == "done"
    assert datetime.date(2025, 10, 1)
