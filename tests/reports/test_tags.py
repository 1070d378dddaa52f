"""The report's focus topics are counted by tag name: a tag in use cannot be deleted in the admin
(which would silently drop discussions from the figure); it can be renamed, or merged into another
with the sessions retagged and the merge in the audit trail."""

import datetime

import pytest
from django.urls import reverse

from ideology_office.common.models import AuditEntry
from ideology_office.reports.figures import annual_figures
from study.models import StudySession, Tag
from tests.study.factories import SessionFactory

pytestmark = pytest.mark.django_db


def _discussion(day, *tags):
    session = SessionFactory(kind=StudySession.Kind.THEMATIC_DISCUSSION, date=day)
    session.tags.add(*tags)
    return session


def _focus():
    return annual_figures(since=2022, until=2022).value("focus_discussions")


def test_a_tag_in_use_is_not_deleted_in_the_admin(client, admin_person):
    ideology, _created = Tag.objects.get_or_create(name="意识形态")
    _discussion(datetime.date(2022, 3, 1), ideology)
    client.force_login(admin_person)
    client.post(reverse("admin:study_tag_delete", args=[ideology.pk]), {"post": "yes"})
    assert Tag.objects.filter(pk=ideology.pk).exists()
    assert _focus() == 1


def test_merging_a_tag_into_a_focus_topic_retags_its_sessions_and_is_audited(client, admin_person):
    ideology, _created = Tag.objects.get_or_create(name="意识形态")
    variant = Tag.objects.create(name="意识形态工作")
    _discussion(datetime.date(2022, 3, 1), ideology)
    _discussion(datetime.date(2022, 4, 1), variant)
    _discussion(datetime.date(2022, 5, 1), ideology, variant)
    assert _focus() == 2
    client.force_login(admin_person)
    response = client.post(
        reverse("admin:study_tag_changelist"),
        {"action": "merge_tags", "_selected_action": [variant.pk], "target": "意识形态"},
    )
    assert response.status_code == 302
    assert not Tag.objects.filter(pk=variant.pk).exists()
    assert _focus() == 3
    deleted = AuditEntry.objects.get(object_repr="意识形态工作", action=AuditEntry.Action.DELETE)
    assert deleted.actor_id == admin_person.pk
    assert deleted.actor_label == "合并标签 意识形态工作→意识形态"


def test_renaming_a_tag_keeps_its_sessions(client, admin_person):
    tag = Tag.objects.create(name="网信安全")
    _discussion(datetime.date(2022, 3, 1), tag)
    client.force_login(admin_person)
    client.post(reverse("admin:study_tag_change", args=[tag.pk]), {"name": "网络安全"})
    tag.refresh_from_db()
    assert tag.name == "网络安全"
    assert _focus() == 1
