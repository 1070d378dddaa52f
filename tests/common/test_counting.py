import datetime
from zoneinfo import ZoneInfo

import pytest

from ideology_office.common.counting import count_by_period, countable_queryset
from ideology_office.common.services import record_void
from tests.testapp.models import Dossier

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year, month, day, hour=10):
    return datetime.datetime(year, month, day, hour, tzinfo=SHANGHAI)


@pytest.fixture
def dossiers(staff, section_head):
    made = [
        Dossier.objects.create(title="一月", owner=staff, created_at=at(2023, 1, 5)),
        Dossier.objects.create(title="一月二", owner=staff, created_at=at(2023, 1, 31, 23)),
        Dossier.objects.create(title="三月", owner=section_head, created_at=at(2023, 3, 1, 0)),
        Dossier.objects.create(title="上年", owner=staff, created_at=at(2022, 12, 31, 23)),
        Dossier.objects.create(title="作废", owner=staff, created_at=at(2023, 2, 2), score=1),
    ]
    record_void(record=made[-1], user=staff, reason="录错")
    return made


@pytest.mark.django_db
def test_counts_per_month_use_local_dates_and_skip_voided_records(dossiers, django_assert_num_queries):
    with django_assert_num_queries(1):
        counts = count_by_period(
            "testapp.dossier",
            start=datetime.date(2023, 1, 1),
            end=datetime.date(2023, 12, 31),
            period="month",
        )
    assert counts == {datetime.date(2023, 1, 1): 2, datetime.date(2023, 3, 1): 1}


@pytest.mark.django_db
def test_counts_narrow_by_person_and_filters(dossiers, staff):
    year = {"start": datetime.date(2023, 1, 1), "end": datetime.date(2023, 12, 31)}
    assert countable_queryset("testapp.dossier", person=staff, **year).count() == 2
    assert countable_queryset("testapp.dossier", filters={"title__startswith": "三"}, **year).count() == 1
    quarters = count_by_period("testapp.dossier", period="quarter", **year)
    assert quarters == {datetime.date(2023, 1, 1): 3}
