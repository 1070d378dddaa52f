"""The one access model, finding by finding: the vocabulary and the superuser rule, the one gate,
separation of duties judged from history, and reads that used to leak. The walk over every URL
and role is ``test_access_matrix.py``."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils.translation import override

from ideology_office.accounts import roles
from ideology_office.accounts.models import User
from ideology_office.accounts.roles import Role
from ideology_office.common import policies
from inspections import services as inspection_services
from positions import services as position_services

from .factories import OrgUnitFactory, UserFactory
from .inspections.factories import make_task
from .positions.factories import Desk

AREAS = ("/responsibility/", "/study/", "/positions/", "/sentiment/", "/inspections/")


# --- one vocabulary, one gate ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("area", AREAS)
def test_the_gate_answers_the_same_in_every_area(client, area):
    nobody = UserFactory(roles=[])
    client.force_login(nobody)
    response = client.get(area)
    assert response.status_code == 403
    assert "请联系管理员" in response.content.decode()
    # The superuser counts as 管理员 everywhere, with or without groups.
    root = UserFactory(roles=[], is_superuser=True, is_staff=True)
    client.force_login(root)
    assert client.get(area).status_code == 200


@pytest.mark.django_db
def test_a_superuser_made_by_createsuperuser_opens_every_area(client):
    call_command("createsuperuser", interactive=False, username="root", email="root@example.gov.cn")
    root = User.objects.get(username="root")
    assert roles.is_admin(root) and roles.sees_office_wide(root)
    client.force_login(root)
    for area in AREAS:
        assert client.get(area).status_code == 200, area
    assert client.get("/reports/annual/").status_code == 200


@pytest.mark.django_db
def test_a_superuser_is_no_bypass_of_personal_grants():
    root = UserFactory(roles=[], is_superuser=True, is_staff=True)
    desk = Desk()
    item = desk.submitted()
    assert root.has_perm("positions.sign_first", item)  # Django's answer...
    assert not position_services.has_step_grant(root, item, item.current_step)  # ...is not ours


@pytest.mark.django_db
def test_an_inactive_person_holds_no_role(client):
    person = UserFactory(roles=[Role.LEADER])
    person.is_active = False
    person.save()
    assert not roles.has_any_role(User.objects.get(pk=person.pk))


@pytest.mark.django_db
def test_a_refusal_page_says_why(client, inspector):
    task = make_task(user=inspector, person=inspector)
    inspection_services.task_progress_add(task=task, user=inspector, note="已整改")
    inspection_services.task_submit(task=task, user=inspector, note="请验收")
    client.force_login(inspector)
    response = client.get(task.get_absolute_url())
    assert "您是（或曾是）本任务的整改责任人" in response.content.decode()
    assert 'data-testid="close-form"' not in response.content.decode()


# --- separation of duties from history ------------------------------------------------------------


@pytest.mark.django_db
def test_a_former_responsible_person_never_closes_out_the_task(client, inspector):
    """The finding: an inspector responsible for a task records progress, submits it, hands the
    task to someone else, and then finds the close-out form offered to him."""
    task = make_task(user=inspector, person=inspector)
    inspection_services.task_progress_add(task=task, user=inspector, note="已整改")
    inspection_services.task_submit(task=task, user=inspector, note="请验收")
    someone = UserFactory(roles=[Role.STAFF])
    task = inspection_services.task_reassign(task=task, responsible_person=someone, user=inspector)
    assert task.responsible_person == someone
    with override("zh-hans"), pytest.raises(PermissionDenied) as refusal:
        inspection_services.task_close(task=task, user=inspector, note="销号", evidence_reviewed=True)
    assert "整改责任人" in str(refusal.value)
    client.force_login(inspector)
    page = client.get(task.get_absolute_url()).content.decode()
    assert 'data-testid="close-form"' not in page
    assert 'data-testid="verify-refusal"' in page
    response = client.post(
        reverse("inspections:task_close", args=[task.pk]), {"note": "销号", "evidence_reviewed": "on"}
    )
    task.refresh_from_db()
    assert not task.is_closed and response.status_code in (302, 403)


@pytest.mark.django_db
def test_whoever_recorded_progress_never_closes_out(inspector, leader):
    """A leader who recorded progress on someone's behalf is on the rectifying side too."""
    task = make_task(user=inspector)
    inspection_services.task_progress_add(task=task, user=task.responsible_person, note="进展")
    from inspections.models import TaskEvent

    TaskEvent.objects.create(task=task, kind=TaskEvent.Kind.PROGRESS, actor=leader, created_by=leader)
    inspection_services.task_submit(task=task, user=task.responsible_person, note="请验收")
    with pytest.raises(PermissionDenied):
        inspection_services.task_close(task=task, user=leader, note="销号", evidence_reviewed=True)
    closed = inspection_services.task_close(task=task, user=inspector, note="销号", evidence_reviewed=True)
    assert closed.is_closed


@pytest.mark.django_db
def test_a_reviewer_who_edited_the_item_never_reviews_it(client):
    desk = Desk()
    item = desk.submitted()
    # The 初审 reviewer edits the text (reviewers may), which makes them one of its writers.
    position_services.content_item_edit(item=item, user=desk.first, title=item.title, body="改过的正文。")
    item.refresh_from_db()
    with override("zh-hans"), pytest.raises(ValidationError) as refusal:
        desk.sign(item, user=desk.first)
    assert "撰写或修改过" in " ".join(refusal.value.messages)
    client.force_login(desk.first)
    page = client.get(item.get_absolute_url()).content.decode()
    assert 'data-testid="sign-form"' not in page
    assert 'data-testid="sign-refusal"' in page
    # Nor can the writer be made a reviewer of a later step.
    with pytest.raises(ValidationError):
        position_services.content_item_assign_reviewers(
            item=item, step="second", reviewers=[desk.first], user=desk.leader
        )


@pytest.mark.django_db
def test_a_leader_never_decides_a_swap_they_are_part_of(leader):
    from sentiment import services as sentiment_services
    from sentiment.models import ShiftSwap

    from .sentiment.factories import future_month, published_roster, shift_on, staff_people

    officers = staff_people(3)
    other_leader = UserFactory(roles=[Role.LEADER])
    month = future_month()
    published_roster(month=month, leader=other_leader, officers=officers, leaders=[leader])
    shift = shift_on(month)
    swap = sentiment_services.shift_swap_request(
        shift=shift,
        requester=shift.leader,
        counterpart=other_leader,
        counterpart_shift=None,
        reason="家中有事",
    )
    with override("zh-hans"), pytest.raises(ValidationError) as refusal:
        sentiment_services.shift_swap_approve(swap=swap, user=shift.leader)
    assert "其他领导" in " ".join(refusal.value.messages)
    assert ShiftSwap.objects.get(pk=swap.pk).status == ShiftSwap.Status.PENDING


# --- reads that leaked ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_material_page_lists_only_the_sessions_the_reader_may_open(client):
    from .study.factories import MaterialFactory, SessionFactory

    mine, theirs = OrgUnitFactory(name="秘书股"), OrgUnitFactory(name="综合股")
    clerk = UserFactory(roles=[Role.STAFF], section=mine)
    material = MaterialFactory()
    hidden = SessionFactory(section=theirs, topic="综合股的学习专题")
    hidden.materials.add(material)
    shown = SessionFactory(section=mine, topic="秘书股的学习专题")
    shown.materials.add(material)
    client.force_login(clerk)
    page = client.get(material.get_absolute_url()).content.decode()
    assert "秘书股的学习专题" in page
    assert "综合股的学习专题" not in page


@pytest.mark.django_db
def test_the_positions_page_lists_waiting_items_only_to_those_who_may_open_them(client):
    import datetime

    from django.utils import timezone

    from positions.models import ContentItem

    desk = Desk()
    item = desk.submitted(title="久等的稿件标题")
    ContentItem.objects.filter(pk=item.pk).update(step_entered_at=timezone.now() - datetime.timedelta(days=5))
    stranger = UserFactory(roles=[Role.STAFF])
    client.force_login(stranger)
    assert "久等的稿件标题" not in client.get("/positions/").content.decode()
    client.force_login(desk.first)
    assert "久等的稿件标题" in client.get("/positions/").content.decode()


@pytest.mark.django_db
def test_swap_reasons_and_information_reports_are_read_as_the_shift_log_is(client, leader):
    import datetime

    from django.utils import timezone

    from sentiment import services as sentiment_services

    from .sentiment.factories import at, future_month, incident, published_roster, shift_on, staff_people

    officers = staff_people(4)
    month = future_month()
    published_roster(month=month, leader=leader, officers=officers, leaders=[leader])
    shift = shift_on(month)
    swap_with = next(person for person in officers if person.pk != shift.officer_id)
    sentiment_services.shift_swap_request(
        shift=shift,
        requester=shift.officer,
        counterpart=swap_with,
        counterpart_shift=None,
        reason="私人原因甲乙丙",
    )
    case = incident(user=leader, found_at=timezone.now() - datetime.timedelta(hours=1))
    sentiment_services.information_report_add(
        shift=shift,
        user=shift.officer,
        sent_at=at(month, 9),
        recipient="市委办",
        content="报送内容甲乙丙",
        incident=case,
    )
    bystander = next(person for person in officers if person.pk not in (shift.officer_id, swap_with.pk))
    client.force_login(bystander)
    assert "私人原因甲乙丙" not in client.get(shift.get_absolute_url()).content.decode()
    assert "报送内容甲乙丙" not in client.get(case.get_absolute_url()).content.decode()
    client.force_login(leader)
    assert "私人原因甲乙丙" in client.get(shift.get_absolute_url()).content.decode()
    assert "报送内容甲乙丙" in client.get(case.get_absolute_url()).content.decode()


@pytest.mark.django_db
def test_an_assessment_is_not_read_by_a_person_without_a_role(client):
    from .responsibility.factories import scheme_with_items

    section = OrgUnitFactory()
    nobody = UserFactory(roles=[], section=section)
    admin = UserFactory(roles=[Role.ADMIN])
    inspector = UserFactory(roles=[Role.INSPECTOR])
    scheme = scheme_with_items(admin=admin)
    from responsibility import services as responsibility_services

    assessment = responsibility_services.assessment_create(
        scheme=scheme, target_kind="section", target_unit=section, assessor=inspector, user=inspector
    )
    assert not policies.can(nobody, policies.Action.VIEW, assessment)
    client.force_login(nobody)
    assert client.get(assessment.get_absolute_url()).status_code == 403
    assert client.get(reverse("responsibility:assessment_export", args=[assessment.pk])).status_code == 403


# --- fields a form does not offer are ignored -----------------------------------------------------


@pytest.mark.django_db
def test_a_session_form_ignores_owner_status_and_void_fields_and_refuses_another_section(client):
    from study.models import StudySession

    mine, theirs = OrgUnitFactory(name="秘书股"), OrgUnitFactory(name="综合股")
    clerk = UserFactory(roles=[Role.STAFF], section=mine)
    stranger = UserFactory(roles=[Role.STAFF], section=theirs)
    client.force_login(clerk)
    data = {
        "kind": "thematic_discussion",
        "date": "2024-03-05",
        "section": mine.pk,
        "topic": "网络安全专题研讨",
        "attendees": str(mine.pk),
        f"status_{clerk.pk}": "present",
        "speech-TOTAL_FORMS": "0",
        "speech-INITIAL_FORMS": "0",
        # Not on the form: who recorded it, when it was voided, who created it.
        "created_by": stranger.pk,
        "voided_at": "2024-03-06 10:00",
        "void_reason": "x",
        "status": "closed",
    }
    response = client.post(reverse("study:session_create"), data)
    session = StudySession.objects.get()
    assert response.status_code == 302
    assert session.created_by == clerk and not session.is_voided and session.section == mine
    # The section is on the form, but staff record for their own section only.
    client.post(reverse("study:session_create"), {**data, "section": theirs.pk, "topic": "越权"})
    assert not StudySession.objects.filter(topic="越权").exists()


@pytest.mark.django_db
def test_a_progress_post_ignores_the_owner_state_and_closer_fields(client, inspector):
    task = make_task(user=inspector)
    other = UserFactory(roles=[Role.STAFF])
    client.force_login(task.responsible_person)
    response = client.post(
        reverse("inspections:task_progress", args=[task.pk]),
        {
            "note": "已完成一半",
            "responsible_person": other.pk,
            "state": "closed",
            "closed_by": task.responsible_person.pk,
            "deadline": "2099-01-01",
        },
    )
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.responsible_person != other
    assert task.state == task.State.IN_PROGRESS and task.closed_by is None
    assert str(task.deadline) != "2099-01-01"
    # And someone who is not the responsible person cannot post progress at all.
    client.force_login(other)
    before = task.events.count()
    assert (
        client.post(reverse("inspections:task_progress", args=[task.pk]), {"note": "冒名"}).status_code == 404
    )
    assert task.events.count() == before


@pytest.mark.django_db
def test_evidence_is_listed_as_its_record_is(settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ideology_office.common.models import Attachment
    from ideology_office.common.services import attachment_add

    from .study.factories import SessionFactory

    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    mine, theirs = OrgUnitFactory(), OrgUnitFactory()
    clerk = UserFactory(roles=[Role.STAFF], section=mine)
    leader = UserFactory(roles=[Role.LEADER])
    own = attachment_add(
        record=SessionFactory(section=mine), uploaded_file=SimpleUploadedFile("a.pdf", pdf), user=leader
    )
    other = attachment_add(
        record=SessionFactory(section=theirs), uploaded_file=SimpleUploadedFile("b.pdf", pdf), user=leader
    )
    assert list(policies.visible_to(clerk, Attachment.objects.order_by("pk"))) == [own]
    assert list(policies.visible_to(leader, Attachment.objects.order_by("pk"))) == [own, other]
    assert policies.can(clerk, "view", own) and not policies.can(clerk, "view", other)


@pytest.mark.django_db
def test_a_leader_on_the_tasks_side_is_offered_no_extension_decision(client, inspector, leader):
    import datetime

    from inspections.models import TaskEvent

    task = make_task(user=inspector)
    TaskEvent.objects.create(task=task, kind=TaskEvent.Kind.PROGRESS, actor=leader, created_by=leader)
    inspection_services.extension_request(
        task=task,
        user=task.responsible_person,
        requested_deadline=task.deadline + datetime.timedelta(days=30),
        reason="需要上级批复",
    )
    decide = reverse("inspections:extension_decide", args=[task.extensions.get().pk])
    client.force_login(leader)
    assert decide not in client.get(task.get_absolute_url()).content.decode()
    other_leader = UserFactory(roles=[Role.LEADER])
    client.force_login(other_leader)
    assert decide in client.get(task.get_absolute_url()).content.decode()
