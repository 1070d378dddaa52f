import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from guardian.shortcuts import get_user_perms

from ideology_office.accounts.roles import Role
from ideology_office.common.models import Attachment
from positions import services
from positions.models import (
    ContentItem,
    ContentRevision,
    KeyDate,
    PhysicalUpdate,
    Platform,
    PublicityTask,
    ReviewAssignment,
    SignOff,
    content_digest,
)
from positions.selectors import signoff_chain_problems

from ..factories import UserFactory
from .factories import Desk, PhysicalPlatformFactory, PlatformFactory, photo

pytestmark = pytest.mark.django_db
Status = ContentItem.Status
Step = SignOff.Step


@pytest.fixture
def desk(db):
    return Desk()


def test_draft_keeps_its_text_as_a_hashed_revision(desk):
    item = desk.draft(title="标题", body="正文")
    revision = item.current_revision
    assert item.status == Status.DRAFT
    assert revision.number == 1
    assert revision.sha256 == content_digest("标题", "正文")


def test_draft_needs_a_title_and_a_body(desk):
    with pytest.raises(ValidationError) as error:
        services.content_item_create(platform=desk.platform, title=" ", body="", author=desk.author)
    assert set(error.value.message_dict) == {"title", "body"}
    assert not ContentItem.objects.exists()


def test_content_items_are_not_for_physical_positions(desk):
    board = PhysicalPlatformFactory()
    with pytest.raises(ValidationError):
        services.content_item_create(platform=board, title="t", body="b", author=desk.author)


def test_submission_assigns_the_platform_defaults_with_guardian_grants(desk):
    item = desk.submitted()
    assert item.status == Status.IN_REVIEW and item.current_step == Step.FIRST and item.review_round == 1
    assert set(ReviewAssignment.objects.filter(item=item).values_list("step", flat=True)) == {
        "first",
        "second",
        "final",
    }
    assert "sign_first" in get_user_perms(desk.first, item).values_list("codename", flat=True)
    assert not get_user_perms(desk.second, item).filter(codename="sign_first").exists()


def test_only_the_author_submits(desk):
    item = desk.draft()
    with pytest.raises(ValidationError):
        services.content_item_submit(item=item, user=desk.first)


def test_submission_without_a_reviewer_for_a_step_is_refused(desk):
    platform = PlatformFactory()
    item = services.content_item_create(platform=platform, title="t", body="b", author=desk.author)
    with pytest.raises(ValidationError) as error:
        services.content_item_submit(item=item, user=desk.author)
    assert "初审" in " ".join(error.value.messages) or error.value.code == "no_reviewer"
    item.refresh_from_db()
    assert item.status == Status.DRAFT


def test_full_review_signs_each_step_and_its_proofread_with_revision_hashes(desk):
    item = desk.approved()
    rows = list(SignOff.objects.filter(item=item).order_by("sequence"))
    assert [row.step for row in rows] == ["proof1", "first", "proof2", "second", "proof3", "final"]
    assert {row.content_sha256 for row in rows} == {item.current_revision.sha256}
    assert item.status == Status.APPROVED
    assert item.approved_revision_id == item.current_revision_id
    assert item.final_approved_at == rows[-1].signed_at
    assert rows[1].signer_name == "编辑乙" and rows[1].signer_title == "编辑"


def test_proofread_placement_follows_the_platform(desk):
    desk.platform.first_proofread_step = "first"
    desk.platform.second_proofread_step = "first"
    desk.platform.third_proofread_step = "second"
    desk.platform.save()
    item = desk.approved()
    steps = list(SignOff.objects.filter(item=item).order_by("sequence").values_list("step", flat=True))
    assert steps == ["proof1", "proof2", "first", "proof3", "second", "final"]


def test_highly_sensitive_items_also_need_the_principal_leader(desk):
    item = desk.submitted(sensitivity="high")
    for step in ("first", "second", "final"):
        desk.sign(item, step)
    item.refresh_from_db()
    assert item.status == Status.IN_REVIEW and item.current_step == Step.LEADER
    desk.sign(item, "leader")
    item.refresh_from_db()
    assert item.status == Status.APPROVED


def test_nobody_reviews_their_own_item(desk):
    item = desk.submitted()
    # Even a direct grant does not let the author sign.
    services.content_item_assign_reviewers(
        item=item, step="first", reviewers=[desk.first], user=desk.publisher
    )
    from guardian.shortcuts import assign_perm

    assign_perm("positions.sign_first", desk.author, item)
    with pytest.raises(ValidationError) as error:
        services.content_item_sign(item=item, user=desk.author, decision="approve", opinion="好")
    assert error.value.code == "own_item"


def test_author_cannot_be_assigned_as_reviewer(desk):
    item = desk.draft()
    with pytest.raises(ValidationError):
        services.content_item_assign_reviewers(
            item=item, step="first", reviewers=[desk.author], user=desk.publisher
        )


def test_no_one_signs_two_of_the_reviews(desk):
    item = desk.submitted()
    services.content_item_assign_reviewers(
        item=item, step="second", reviewers=[desk.first], user=desk.publisher
    )
    desk.sign(item, "first")
    with pytest.raises(ValidationError) as error:
        desk.sign(item, "second", user=desk.first)
    assert error.value.code == "two_reviews"
    item.refresh_from_db()
    assert item.current_step == Step.SECOND


def test_a_person_without_the_grant_cannot_sign(desk):
    item = desk.submitted()
    with pytest.raises(ValidationError) as error:
        desk.sign(item, "first", user=desk.second)
    assert error.value.code == "forbidden"


def test_superusers_get_no_bypass(desk):
    boss = UserFactory(is_superuser=True, is_staff=True, roles=[Role.ADMIN])
    item = desk.submitted()
    assert boss.has_perm("positions.sign_first", item)  # Django's answer for any superuser ...
    with pytest.raises(ValidationError):  # ... and still no signature without the grant.
        desk.sign(item, "first", user=boss)
    approved = desk.approved()
    services.content_item_edit(item=approved, user=desk.author, title=approved.title, body="改过的正文")
    approved.refresh_from_db()
    with pytest.raises(ValidationError):
        services.content_item_publish(item=approved, user=boss, url="https://x.example/")


def test_rejection_needs_an_opinion_and_returns_to_the_author(desk):
    item = desk.submitted()
    desk.sign(item, "first")
    with pytest.raises(ValidationError) as error:
        desk.sign(item, "second", decision="reject", opinion="  ")
    assert "opinion" in error.value.message_dict
    desk.sign(item, "second", decision="reject", opinion="数据有误。")
    item.refresh_from_db()
    assert item.status == Status.REJECTED and item.current_step == ""
    services.content_item_edit(item=item, user=desk.author, title=item.title, body="已更正的正文")
    services.content_item_submit(item=item, user=desk.author)
    item.refresh_from_db()
    assert item.current_step == Step.FIRST and item.review_round == 2


def test_edit_after_a_sign_off_voids_it_and_restarts_at_first_review(desk):
    item = desk.submitted()
    desk.sign(item, "first")
    desk.sign(item, "second")
    item.refresh_from_db()
    services.content_item_edit(item=item, user=desk.author, title=item.title, body="新的正文")
    item.refresh_from_db()
    assert item.current_step == Step.FIRST and item.review_round == 2
    assert item.current_revision.number == 2
    void = SignOff.objects.filter(item=item).order_by("-sequence").first()
    assert void.decision == SignOff.Decision.VOID and void.review_round == 1
    # The earlier signers may sign the new round again; the old approvals do not count.
    desk.sign(item, "first")
    item.refresh_from_db()
    assert item.current_step == Step.SECOND


def test_edit_of_an_approved_item_withdraws_the_approval(desk):
    item = desk.approved()
    services.content_item_edit(item=item, user=desk.author, title="新标题", body=item.current_revision.body)
    item.refresh_from_db()
    assert item.status == Status.IN_REVIEW
    assert item.approved_revision is None and item.final_approved_at is None
    with pytest.raises(ValidationError):
        services.content_item_publish(item=item, user=desk.publisher, url="https://x.example/")


def test_sign_refuses_a_revision_the_reviewer_did_not_read(desk):
    item = desk.submitted()
    first_revision = item.current_revision_id
    services.content_item_edit(item=item, user=desk.author, title=item.title, body="悄悄改过")
    with pytest.raises(ValidationError) as error:
        services.content_item_sign(
            item=item, user=desk.first, decision="approve", opinion="同意", revision_id=first_revision
        )
    assert error.value.code == "stale_revision"


def test_publishing_publishes_exactly_the_approved_revision(desk):
    item = desk.published()
    assert item.status == Status.PUBLISHED
    assert item.publication.revision_id == item.approved_revision_id
    assert item.publication.published_by == desk.publisher


def test_only_the_responsible_person_publishes(desk):
    item = desk.approved()
    with pytest.raises(ValidationError):
        services.content_item_publish(item=item, user=desk.final, url="https://x.example/")


def test_publishing_needs_an_address_or_post_id(desk):
    item = desk.approved()
    with pytest.raises(ValidationError):
        services.content_item_publish(item=item, user=desk.publisher)


def test_publishing_refuses_a_revision_whose_content_was_altered_in_the_database(desk):
    item = desk.approved()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE positions_contentrevision SET body = %s WHERE id = %s", ["篡改", item.current_revision_id]
        )
    item = ContentItem.objects.get(pk=item.pk)
    with pytest.raises(ValidationError) as error:
        services.content_item_publish(item=item, user=desk.publisher, url="https://x.example/")
    assert "hash" in " ".join(error.value.messages) or "哈希" in " ".join(error.value.messages)


def test_published_items_cannot_be_edited(desk):
    item = desk.published()
    with pytest.raises(ValidationError):
        services.content_item_edit(item=item, user=desk.author, title="x", body="y")


def test_takedown_needs_a_reason_and_ends_the_publication(desk):
    item = desk.published()
    with pytest.raises(ValidationError):
        services.publication_act(item=item, user=desk.publisher, kind="takedown", reason="")
    services.publication_act(item=item, user=desk.publisher, kind="takedown", reason="活动取消")
    item.refresh_from_db()
    assert item.status == Status.TAKEN_DOWN


def test_correction_keeps_the_item_published(desk):
    item = desk.published()
    services.publication_act(item=item, user=desk.publisher, kind="correction", reason="更正一处错字")
    item.refresh_from_db()
    assert item.status == Status.PUBLISHED
    assert item.publication.actions.count() == 1


def test_reassigning_removes_the_old_grant(desk):
    item = desk.submitted()
    other = UserFactory(roles=[Role.STAFF])
    services.content_item_assign_reviewers(item=item, step="first", reviewers=[other], user=desk.publisher)
    assert not get_user_perms(desk.first, item).filter(codename="sign_first").exists()
    assert get_user_perms(other, item).filter(codename="sign_first").exists()
    with pytest.raises(ValidationError):
        desk.sign(item, "first")
    desk.sign(item, "first", user=other)


def test_only_managers_or_the_responsible_person_assign(desk):
    item = desk.draft()
    with pytest.raises(ValidationError):
        services.content_item_assign_reviewers(
            item=item, step="first", reviewers=[desk.first], user=desk.second
        )


def test_sign_off_rows_are_append_only(desk):
    desk.approved()
    row = SignOff.objects.first()
    row.opinion = "改"
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()
    with pytest.raises(PermissionError):
        SignOff.objects.filter(pk=row.pk).update(opinion="改")
    with pytest.raises(PermissionError):
        SignOff.objects.all().delete()
    with pytest.raises(PermissionError):
        SignOff.objects.bulk_create([row])


def test_revisions_are_never_changed(desk):
    revision = desk.draft().current_revision
    revision.body = "改"
    with pytest.raises(PermissionError):
        revision.save()


def test_chain_links_each_row_to_the_previous(desk):
    desk.approved()
    rows = list(SignOff.objects.order_by("sequence"))
    assert rows[0].previous_hash == "0" * 64
    for earlier, later in zip(rows, rows[1:], strict=False):
        assert later.previous_hash == earlier.chain_hash
    assert signoff_chain_problems() == []


def test_backdated_acts_cannot_lie_in_the_future(desk):
    item = desk.draft()
    with pytest.raises(ValidationError):
        services.content_item_submit(
            item=item, user=desk.author, at=timezone.now() + datetime.timedelta(hours=1)
        )


# Physical positions ---------------------------------------------------------------------------


def test_physical_update_is_recorded_with_its_photo():
    board = PhysicalPlatformFactory()
    approver = UserFactory(roles=[Role.LEADER])
    update = services.physical_update_record(
        platform=board,
        user=board.responsible_person,
        content="七一主题宣传",
        start_date=datetime.date(2024, 6, 20),
        approved_by=approver,
        photo=photo(),
    )
    assert Attachment.objects.filter(object_id=str(update.pk)).count() == 1


def test_physical_update_without_a_photo_or_with_a_non_image_writes_nothing():
    board = PhysicalPlatformFactory()
    approver = UserFactory(roles=[Role.LEADER])
    from django.core.files.uploadedfile import SimpleUploadedFile

    for bad in (None, SimpleUploadedFile("a.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")):
        with pytest.raises(ValidationError):
            services.physical_update_record(
                platform=board,
                user=board.responsible_person,
                content="x",
                start_date=datetime.date(2024, 1, 1),
                approved_by=approver,
                photo=bad,
            )
    assert not PhysicalUpdate.objects.exists()


def test_physical_update_only_by_the_responsible_person_or_managers():
    board = PhysicalPlatformFactory()
    stranger = UserFactory(roles=[Role.STAFF])
    with pytest.raises(ValidationError):
        services.physical_update_record(
            platform=board,
            user=stranger,
            content="x",
            start_date=datetime.date(2024, 1, 1),
            approved_by=stranger,
            photo=photo(),
        )


def test_physical_update_dates_must_be_in_order():
    board = PhysicalPlatformFactory()
    with pytest.raises(ValidationError):
        services.physical_update_record(
            platform=board,
            user=board.responsible_person,
            content="x",
            start_date=datetime.date(2024, 2, 1),
            end_date=datetime.date(2024, 1, 1),
            approved_by=board.responsible_person,
            photo=photo(),
        )


def test_physical_platform_needs_a_limit():
    admin = UserFactory(roles=[Role.ADMIN])
    with pytest.raises(ValidationError):
        services.platform_save(
            platform=Platform(name="新宣传栏", kind=Platform.Kind.BULLETIN_BOARD, responsible_person=admin),
            user=admin,
        )
    assert not Platform.objects.filter(name="新宣传栏").exists()


# Key dates ------------------------------------------------------------------------------------


def test_publicity_task_deadline_not_after_the_key_date(leader):
    national_day = services.key_date_save(key_date=KeyDate(name="国庆", month=10, day=1), user=leader)
    with pytest.raises(ValidationError):
        services.publicity_task_create(
            key_date=national_day,
            year=2025,
            title="布置",
            owner=leader,
            deadline=datetime.date(2025, 10, 5),
            user=leader,
        )
    task = services.publicity_task_create(
        key_date=national_day,
        year=2025,
        title="布置",
        owner=leader,
        deadline=datetime.date(2025, 9, 25),
        user=leader,
    )
    with pytest.raises(ValidationError):
        services.publicity_task_create(
            key_date=national_day,
            year=2025,
            title="布置",
            owner=leader,
            deadline=datetime.date(2025, 9, 25),
            user=leader,
        )
    services.publicity_task_complete(task=task, user=leader)
    task.refresh_from_db()
    assert task.status == PublicityTask.Status.DONE


def test_staff_cannot_plan_tasks_or_keep_the_calendar(staff):
    with pytest.raises(ValidationError):
        services.key_date_save(key_date=KeyDate(name="x", month=1, day=1), user=staff)


def test_impossible_key_date_is_refused(leader):
    with pytest.raises(ValidationError):
        services.key_date_save(key_date=KeyDate(name="x", month=2, day=31), user=leader)


def test_revision_numbers_are_unique_per_item(desk):
    item = desk.draft()
    services.content_item_edit(item=item, user=desk.author, title="a", body="b")
    services.content_item_edit(item=item, user=desk.author, title="a", body="c")
    assert list(ContentRevision.objects.filter(item=item).values_list("number", flat=True)) == [1, 2, 3]
