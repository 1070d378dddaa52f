import datetime

import pytest
from django.utils import timezone

from ideology_office.accounts.roles import Role
from ideology_office.common.counting import count_by_period, countable_queryset
from positions import selectors, services
from positions.models import KeyDate, SignOff

from ..factories import UserFactory
from .factories import Desk, PhysicalPlatformFactory, photo

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(db):
    return Desk()


def test_queue_holds_items_waiting_at_my_step_only(desk):
    waiting = desk.submitted(title="等初审")
    later = desk.submitted(title="已到复审")
    desk.sign(later, "first")
    desk.draft(title="草稿")
    assert list(selectors.review_queue_for_user(user=desk.first)) == [waiting]
    assert list(selectors.review_queue_for_user(user=desk.second)) == [later]
    assert list(selectors.review_queue_for_user(user=desk.author)) == []


def test_queue_forgets_reviewers_who_were_reassigned(desk):
    item = desk.submitted()
    other = UserFactory(roles=[Role.STAFF])
    services.content_item_assign_reviewers(item=item, step="first", reviewers=[other], user=desk.publisher)
    assert list(selectors.review_queue_for_user(user=desk.first)) == []
    assert list(selectors.review_queue_for_user(user=other)) == [item]


def test_queue_is_one_query_for_any_number_of_items(desk, django_assert_num_queries):
    for number in range(5):
        desk.submitted(title=f"条目{number}")
    with django_assert_num_queries(1):
        assert len(list(selectors.review_queue_for_user(user=desk.first))) == 5
    for number in range(20):
        desk.submitted(title=f"更多{number}")
    with django_assert_num_queries(1):
        assert len(list(selectors.review_queue_for_user(user=desk.first))) == 25


def test_counts_at_each_review_step_list_every_step(desk):
    desk.submitted()
    second = desk.submitted()
    desk.sign(second, "first")
    desk.draft()
    assert selectors.review_counts_by_step() == {"first": 1, "second": 1, "final": 0, "leader": 0}


def test_items_waiting_longer_than_n_hours(desk):
    old = desk.draft(title="久等")
    services.content_item_submit(item=old, user=desk.author, at=timezone.now() - datetime.timedelta(hours=50))
    desk.submitted(title="刚提交")
    assert [item.title for item in selectors.items_waiting_longer_than(hours=48)] == ["久等"]
    assert (
        len(selectors.items_waiting_longer_than(hours=1, now=timezone.now() + datetime.timedelta(hours=2)))
        == 2
    )


def test_revision_diff_marks_added_removed_and_changed_lines(desk):
    item = desk.draft(title="标题", body="一\n二\n三")
    old = item.current_revision
    services.content_item_edit(item=item, user=desk.author, title="标题", body="一\n贰\n三\n四")
    item.refresh_from_db()
    rows = selectors.revision_diff(old, item.current_revision)
    kinds = [(row["kind"], row["old"], row["new"]) for row in rows]
    assert ("changed", "二", "贰") in kinds
    assert ("added", "", "四") in kinds
    assert kinds[0] == ("same", "标题", "标题")


def test_stale_physical_positions():
    today = datetime.date(2025, 6, 30)
    fresh = PhysicalPlatformFactory(name="新鲜", max_unchanged_days=30)
    stale = PhysicalPlatformFactory(name="陈旧", max_unchanged_days=30)
    never = PhysicalPlatformFactory(name="从未更新", max_unchanged_days=30)
    for platform, day in ((fresh, datetime.date(2025, 6, 15)), (stale, datetime.date(2025, 5, 1))):
        services.physical_update_record(
            platform=platform,
            user=platform.responsible_person,
            content="内容",
            start_date=day,
            approved_by=platform.responsible_person,
            photo=photo(),
        )
    result = {
        platform.name: platform.days_unchanged for platform in selectors.stale_physical_positions(today)
    }
    assert result == {"陈旧": 60, "从未更新": None}
    assert never.pk


def test_voided_updates_do_not_count_as_changes():
    from ideology_office.common.services import record_void

    board = PhysicalPlatformFactory(max_unchanged_days=10)
    update = services.physical_update_record(
        platform=board,
        user=board.responsible_person,
        content="内容",
        start_date=datetime.date(2025, 6, 28),
        approved_by=board.responsible_person,
        photo=photo(),
    )
    record_void(record=update, user=board.responsible_person, reason="录错")
    assert [p.pk for p in selectors.stale_physical_positions(datetime.date(2025, 6, 30))] == [board.pk]


def test_upcoming_key_dates_include_windows_and_tasks(leader):
    national_day = services.key_date_save(
        key_date=KeyDate(name="国庆", month=10, day=1, days_before=14, days_after=7, is_sensitive=True),
        user=leader,
    )
    spring = services.key_date_save(
        key_date=KeyDate(name="春节", calendar=KeyDate.Calendar.LUNAR, month=1, day=1), user=leader
    )
    services.publicity_task_create(
        key_date=national_day,
        year=2025,
        title="国庆宣传栏",
        owner=leader,
        deadline=datetime.date(2025, 9, 28),
        user=leader,
    )
    upcoming = selectors.upcoming_key_dates(datetime.date(2025, 9, 1), days=30)
    assert [(o.key_date.name, o.date) for o in upcoming] == [("国庆", datetime.date(2025, 10, 1))]
    assert [task.title for task in upcoming[0].tasks] == ["国庆宣传栏"]
    # Inside the window after the day it still shows; the lunar date is computed for its year.
    assert [o.key_date for o in selectors.upcoming_key_dates(datetime.date(2025, 10, 5), days=3)] == [
        national_day
    ]
    new_year = selectors.upcoming_key_dates(datetime.date(2026, 2, 1), days=30)
    assert [(o.key_date, o.date) for o in new_year] == [(spring, datetime.date(2026, 2, 17))]


def test_upcoming_key_dates_query_count_does_not_grow(leader, django_assert_max_num_queries):
    for number in range(6):
        services.key_date_save(key_date=KeyDate(name=f"节点{number}", month=9, day=10 + number), user=leader)
    with django_assert_max_num_queries(2):
        assert len(selectors.upcoming_key_dates(datetime.date(2025, 9, 1), days=30)) == 6


def test_countables_count_published_reviewed_and_physical_updates(desk):
    desk.published()
    desk.approved(title="已终审未发布")
    board = PhysicalPlatformFactory()
    services.physical_update_record(
        platform=board,
        user=board.responsible_person,
        content="内容",
        start_date=datetime.date(2024, 3, 1),
        approved_by=board.responsible_person,
        photo=photo(),
    )
    today = timezone.localdate()
    start = datetime.date(2021, 1, 1)
    assert countable_queryset("positions.content_item_published", start=start, end=today).count() == 1
    assert countable_queryset("positions.content_item_reviewed", start=start, end=today).count() == 2
    assert count_by_period("positions.physical_update", start=start, end=today, period="year") == {
        datetime.date(2024, 1, 1): 1
    }


def test_review_ledger_lists_the_period_in_chain_order(desk):
    desk.approved()
    today = timezone.localdate()
    rows = list(selectors.review_ledger(start=today, end=today))
    assert [row.sequence for row in rows] == sorted(row.sequence for row in rows)
    assert len(rows) == SignOff.objects.count()


def test_every_physical_position_shows_its_days_since_the_last_change(client, leader):
    today = timezone.localdate()
    fresh = PhysicalPlatformFactory(name="新鲜展板", max_unchanged_days=30)
    stale = PhysicalPlatformFactory(name="陈旧展板", max_unchanged_days=30)
    PhysicalPlatformFactory(name="从未更新的屏", max_unchanged_days=30)
    for platform, days_ago in ((fresh, 12), (stale, 45)):
        services.physical_update_record(
            platform=platform,
            user=platform.responsible_person,
            content="内容",
            start_date=today - datetime.timedelta(days=days_ago),
            approved_by=platform.responsible_person,
            photo=photo(),
        )
    client.force_login(leader)
    page = client.get("/positions/platforms/").content.decode()
    assert "距上次更新 12 天（上限 30 天）" in page
    assert "距上次更新 45 天（上限 30 天）" in page
    assert "尚未登记内容更新" in page
    detail = client.get(fresh.get_absolute_url()).content.decode()
    assert "距上次更新 12 天（上限 30 天）" in detail
    assert 'badge text-bg-danger">需更新' not in detail
    detail = client.get(stale.get_absolute_url()).content.decode()
    assert "距上次更新 45 天（上限 30 天）" in detail
    assert 'badge text-bg-danger">需更新' in detail
