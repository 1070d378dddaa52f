"""The report's figures are counted from the records of the chosen years, and nothing else."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ideology_office.common.services import record_void
from ideology_office.reports.figures import annual_figures
from study.models import ReadingClass, StudySession
from tests.factories import OrgUnitFactory
from tests.responsibility.factories import OfficeMeetingFactory
from tests.study.factories import SessionFactory, TagFactory

pytestmark = pytest.mark.django_db

Kind = StudySession.Kind


def _sessions(kind, dates, **kwargs):
    return [SessionFactory(kind=kind, date=day, **kwargs) for day in dates]


def test_an_empty_office_has_zero_figures_and_no_division_by_zero():
    report = annual_figures(since=2021, until=2023)
    assert report.value("office_meetings_on_ideology") == 0
    assert report.value("central_group_sessions") == 0
    assert report.value("rectification_rate") is None
    assert report.value("first_study_median_days") is None
    assert report.value("reading_class_days") == 0
    assert report.value("quarters") == 12


def test_office_meetings_on_ideology_are_counted_within_the_years_and_voided_ones_left_out(admin_person):
    OfficeMeetingFactory(date=datetime.date(2021, 1, 1), on_ideology=True)
    OfficeMeetingFactory(date=datetime.date(2023, 12, 31), on_ideology=True)
    OfficeMeetingFactory(date=datetime.date(2022, 6, 1), on_ideology=False)
    OfficeMeetingFactory(date=datetime.date(2020, 12, 31), on_ideology=True)
    OfficeMeetingFactory(date=datetime.date(2024, 1, 1), on_ideology=True)
    voided = OfficeMeetingFactory(date=datetime.date(2022, 3, 1), on_ideology=True)
    record_void(record=voided, user=admin_person, reason="重复录入")

    report = annual_figures(since=2021, until=2023)

    assert report.value("office_meetings_on_ideology") == 2
    assert report.value("office_meetings") == 3
    assert annual_figures(since=2020, until=2024).value("office_meetings_on_ideology") == 4


def test_study_figures_by_kind_focus_topics_and_reading_class_length():
    section = OrgUnitFactory()
    ideology, security, other = (
        TagFactory(name="意识形态"),
        TagFactory(name="网络安全"),
        TagFactory(name="法治"),
    )
    _sessions(Kind.CENTRAL_GROUP, [datetime.date(2021, 3, 1), datetime.date(2022, 3, 1)], section=section)
    SessionFactory(kind=Kind.THEMATIC_DISCUSSION, date=datetime.date(2021, 5, 1), tags=[ideology, security])
    SessionFactory(kind=Kind.THEMATIC_DISCUSSION, date=datetime.date(2022, 5, 1), tags=[security])
    SessionFactory(kind=Kind.THEMATIC_DISCUSSION, date=datetime.date(2023, 5, 1), tags=[other])
    # A central group session on the topic is not a discussion: the report counts discussions.
    SessionFactory(kind=Kind.CENTRAL_GROUP, date=datetime.date(2023, 5, 2), tags=[ideology])
    reading = ReadingClass.objects.create(
        title="主题教育读书班",
        section=section,
        start_date=datetime.date(2023, 4, 10),
        end_date=datetime.date(2023, 4, 16),
    )
    ReadingClass.objects.create(
        title="短期读书班",
        section=section,
        start_date=datetime.date(2022, 4, 10),
        end_date=datetime.date(2022, 4, 11),
    )
    _sessions(Kind.PARTY_LECTURE, [datetime.date(2022, 7, 1)])
    _sessions(Kind.BRANCH_GENERAL, [datetime.date(2022, 7, 2)])

    report = annual_figures(since=2021, until=2023)

    assert report.value("central_group_sessions") == 3
    assert report.value("thematic_discussions") == 3
    assert report.value("focus_discussions") == 2
    assert annual_figures(since=2021, until=2023, focus_tags=["法治"]).value("focus_discussions") == 1
    assert report.value("reading_classes") == 2
    assert report.value("reading_class_days") == 7
    assert report.value("reading_class_title") == reading.title
    assert report.value("branch_meetings") == 2


def test_figures_take_the_same_number_of_queries_for_few_and_many_records():
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            annual_figures(since=2021, until=2023)
        return len(captured)

    section = OrgUnitFactory()
    OfficeMeetingFactory(date=datetime.date(2022, 1, 5), on_ideology=True)
    _sessions(Kind.CENTRAL_GROUP, [datetime.date(2022, 1, 6)], section=section)
    few = queries()
    for month in range(1, 13):
        OfficeMeetingFactory(date=datetime.date(2022, month, 5), on_ideology=True)
        _sessions(
            Kind.CENTRAL_GROUP,
            [datetime.date(2022, month, 6), datetime.date(2023, month, 6)],
            section=section,
        )
    assert queries() == few
    assert few <= 45


def test_the_period_must_run_forwards():
    with pytest.raises(ValueError):
        annual_figures(since=2023, until=2021)


def test_without_an_office_unit_the_report_names_the_configured_organisation(settings):
    """The report's heading falls back on ORGANISATION_NAME (the setting that exists), not on an
    unset OFFICE_NAME that left it blank."""
    from ideology_office.accounts.models import OrgUnit

    settings.ORGANISATION_NAME = "云溪县委办公室（设置）"
    OrgUnit.objects.filter(kind=OrgUnit.Kind.OFFICE).update(is_active=False)
    assert annual_figures(since=2023, until=2023).office_name == "云溪县委办公室（设置）"
    OrgUnitFactory(kind=OrgUnit.Kind.OFFICE, name="县委办公室（组织树）")
    assert annual_figures(since=2023, until=2023).office_name == "县委办公室（组织树）"
