"""The Django admin is a door too: it edits through the services and cannot sign or publish."""

import pytest
from django.urls import reverse

from ideology_office.accounts.roles import Role
from positions.models import ContentItem, KeyDate, Platform, SignOff

from ..factories import UserFactory
from .factories import Desk

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True, roles=[Role.ADMIN])


@pytest.fixture
def desk(db):
    return Desk()


def test_sign_offs_are_read_only_in_the_admin_even_for_superusers(client, superuser, desk):
    desk.approved()
    row = SignOff.objects.first()
    client.force_login(superuser)
    assert client.get(reverse("admin:positions_signoff_changelist")).status_code == 200
    assert client.get(reverse("admin:positions_signoff_add")).status_code == 403
    response = client.post(reverse("admin:positions_signoff_change", args=[row.pk]), {"opinion": "改"})
    assert response.status_code == 403 or SignOff.objects.get(pk=row.pk).opinion == row.opinion
    assert (
        client.post(reverse("admin:positions_signoff_delete", args=[row.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert SignOff.objects.get(pk=row.pk).opinion == row.opinion


def test_admin_cannot_add_content_items_or_change_their_status(client, superuser, desk):
    item = desk.approved()
    client.force_login(superuser)
    assert client.get(reverse("admin:positions_contentitem_add")).status_code == 403
    client.post(
        reverse("admin:positions_contentitem_change", args=[item.pk]),
        {
            "title": item.title,
            "body": item.current_revision.body,
            "sensitivity": "normal",
            "status": "published",
        },
    )
    item.refresh_from_db()
    assert item.status == ContentItem.Status.APPROVED


def test_admin_edit_of_an_approved_item_goes_through_the_service_and_voids_sign_offs(client, desk):
    admin_user = UserFactory(is_staff=True, roles=[Role.ADMIN])
    item = desk.approved()
    # The reviewer role of editing: an administrator who is not a reviewer cannot edit.
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:positions_contentitem_change", args=[item.pk]),
        {"title": "管理员改的标题", "body": "管理员改的正文", "sensitivity": "normal"},
    )
    item.refresh_from_db()
    assert response.status_code == 200
    assert item.title != "管理员改的标题" and item.status == ContentItem.Status.APPROVED
    # The author, given admin access, edits: a new revision and the approval is withdrawn.
    desk.author.is_staff = True
    desk.author.save()
    desk.author.groups.add(*admin_user.groups.all())
    client.force_login(desk.author)
    response = client.post(
        reverse("admin:positions_contentitem_change", args=[item.pk]),
        {"title": "作者改的标题", "body": "作者改的正文", "sensitivity": "normal"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.title == "作者改的标题" and item.current_revision.body == "作者改的正文"
    assert item.status == ContentItem.Status.IN_REVIEW and item.current_step == "first"
    assert SignOff.objects.filter(item=item, decision=SignOff.Decision.VOID).exists()


def test_published_items_are_not_editable_in_the_admin(client, superuser, desk):
    item = desk.published()
    client.force_login(superuser)
    response = client.post(
        reverse("admin:positions_contentitem_change", args=[item.pk]),
        {"title": "改", "body": "改", "sensitivity": "normal"},
    )
    assert response.status_code == 403
    item.refresh_from_db()
    assert item.title != "改"


def test_admin_platform_save_uses_the_service_rules(client, superuser):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:positions_platform_add"),
        {
            "name": "新宣传栏",
            "kind": "bulletin_board",
            "responsible_person": superuser.pk,
            "location": "大厅",
            "first_proofread_step": "first",
            "second_proofread_step": "second",
            "third_proofread_step": "final",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    assert not Platform.objects.filter(name="新宣传栏").exists()
    assert "最长可保持不变" in response.content.decode()


def test_admin_key_date_save_refuses_an_impossible_date(client, superuser):
    client.force_login(superuser)
    data = {"name": "错日", "calendar": "solar", "month": 2, "day": 30, "days_before": 7, "days_after": 3}
    response = client.post(reverse("admin:positions_keydate_add"), data)
    assert response.status_code == 200
    assert not KeyDate.objects.exists()
    response = client.post(reverse("admin:positions_keydate_add"), {**data, "day": 28, "is_active": "on"})
    assert response.status_code == 302
    assert KeyDate.objects.get().created_by == superuser


def test_admin_cannot_delete_content_items(client, superuser, desk):
    item = desk.draft()
    client.force_login(superuser)
    assert (
        client.post(
            reverse("admin:positions_contentitem_delete", args=[item.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert ContentItem.objects.filter(pk=item.pk).exists()
