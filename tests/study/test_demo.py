import datetime

import pytest
from django.core.management import call_command

from ideology_office.common.counting import countable_queryset
from study import selectors
from study.models import PointsBulletin, StudySession

START = datetime.date(2021, 1, 1)
END = datetime.date(2023, 12, 31)


@pytest.fixture
def seeded(db, tmp_path):
    call_command(
        "seed_demo", password="demo-password-0123", logins_file=str(tmp_path / "logins.txt"), only="study"
    )


def test_the_seed_story_is_what_the_records_count(seeded):
    assert countable_queryset("study.central_group_session", start=START, end=END).count() == 48
    assert countable_queryset("study.thematic_discussion", start=START, end=END).count() == 25
    on_ideology = countable_queryset(
        "study.thematic_discussion",
        start=START,
        end=END,
        filters={"tags__name__in": ["意识形态", "网络安全"]},
    )
    assert on_ideology.count() == 8
    assert (
        selectors.session_count(
            start=START, end=END, kinds=["thematic_discussion"], tags_any=["意识形态", "网络安全"]
        )
        == 8
    )
    assert countable_queryset("study.reading_class", start=START, end=END).count() == 1
    reading_days = StudySession.objects.filter(kind=StudySession.Kind.READING_CLASS)
    assert reading_days.count() == 7
    venues = set(
        countable_queryset("study.first_agenda", start=START, end=END).values_list(
            "first_agenda_venue", flat=True
        )
    )
    assert venues == {"office_meeting", "central_group", "party_branch"}
    assert countable_queryset("study.branch_meeting", start=START, end=END).exists()
    party_days = countable_queryset("study.themed_party_day", start=START, end=END)
    assert party_days.filter(topic__contains="循足迹、悟思想、促践行").exists()
    assert party_days.filter(topic__contains="红色电影").exists()
    assert party_days.filter(topic__contains="纪念馆").exists()
    assert PointsBulletin.objects.filter(published_at__isnull=False).exists()
    assert selectors.materials_not_studied()


def test_a_second_seed_run_changes_nothing(seeded, tmp_path):
    from ideology_office.common.models import AuditEntry

    before = AuditEntry.objects.count()
    call_command("seed_demo", logins_file=str(tmp_path / "again.txt"), only="study")
    assert AuditEntry.objects.count() == before
