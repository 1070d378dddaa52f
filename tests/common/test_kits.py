"""The shared kits of ``ideology_office/common``: dates, model_update, the refusal joiner, the action
view helper, the yes/no filter."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import RequestFactory
from django.utils import timezone

from ideology_office.common import dates
from ideology_office.common.filters import YesNoFilter
from ideology_office.common.forms import refusal_text
from ideology_office.common.services import model_update, record_void
from ideology_office.common.views import run_service
from study import services as study_services
from study.models import StudyMaterial


def test_counted_days_count_both_ends_and_never_go_below_zero():
    day = datetime.date(2024, 3, 1)
    assert dates.counted_days(day, day) == 1
    assert dates.counted_days(day, datetime.date(2024, 3, 31)) == 31
    assert dates.counted_days(day, datetime.date(2024, 2, 28)) == 0


@pytest.mark.parametrize(
    ("year", "quarter", "first", "last"),
    [
        (2024, 1, datetime.date(2024, 1, 1), datetime.date(2024, 3, 31)),
        (2024, 2, datetime.date(2024, 4, 1), datetime.date(2024, 6, 30)),
        (2023, 4, datetime.date(2023, 10, 1), datetime.date(2023, 12, 31)),
    ],
)
def test_quarter_bounds_and_quarter_of_agree(year, quarter, first, last):
    assert dates.quarter_bounds(year, quarter) == (first, last)
    assert dates.quarter_of(first) == dates.quarter_of(last) == (year, quarter)


def test_month_bounds_know_leap_years_and_the_next_month_follows():
    assert dates.month_bounds(datetime.date(2024, 2, 10)) == (
        datetime.date(2024, 2, 1),
        datetime.date(2024, 2, 29),
    )
    assert dates.next_month(datetime.date(2024, 12, 31)) == datetime.date(2025, 1, 1)


def test_moment_range_runs_from_local_midnight_to_the_next():
    start, end = dates.moment_range(datetime.date(2024, 3, 5), datetime.date(2024, 3, 6))
    assert timezone.localtime(start) == timezone.localtime(start).replace(hour=0, minute=0, second=0)
    assert (timezone.localtime(start).date(), timezone.localtime(end).date()) == (
        datetime.date(2024, 3, 5),
        datetime.date(2024, 3, 7),
    )
    assert end - start == datetime.timedelta(days=2)


@pytest.fixture
def material(db, admin_person):
    return study_services.material_create(
        user=admin_person,
        title="学习材料",
        kind=StudyMaterial.Kind.SPEECH,
        issued_on=datetime.date(2024, 3, 5),
    )


def test_model_update_saves_only_a_change_and_says_so(material):
    stamp = material.updated_at
    same, changed = model_update(instance=material, fields=("title",), data={"title": " 学习材料 "})
    assert changed is False
    assert StudyMaterial.objects.get(pk=material.pk).updated_at == stamp
    updated, changed = model_update(instance=material, fields=("title",), data={"title": "新题目"})
    assert changed is True
    assert StudyMaterial.objects.get(pk=material.pk).title == "新题目"


def test_model_update_refuses_unknown_fields_voided_records_and_invalid_values(material, admin_person):
    with pytest.raises(TypeError):
        model_update(instance=material, fields=("title",), data={"source": "x"})
    with pytest.raises(ValidationError):
        model_update(instance=material, fields=("kind",), data={"kind": "no such kind"})
    assert StudyMaterial.objects.get(pk=material.pk).kind == StudyMaterial.Kind.SPEECH
    record_void(record=material, user=admin_person, reason="录错")
    with pytest.raises(ValidationError) as refused:
        model_update(instance=material, fields=("title",), data={"title": "改"})
    assert refused.value.code == "voided"


def test_a_refusal_reads_as_one_line_joined_with_the_chinese_semicolon():
    assert refusal_text(ValidationError(["第一条", "第二条"])) == "第一条；第二条"
    assert refusal_text(ValidationError({"title": ["题目"], "date": ["日期"]})) == "题目；日期"
    assert refusal_text(PermissionDenied("无权")) == "无权"


def _request(user):
    request = RequestFactory().post("/")
    request.user = user
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def test_run_service_shows_the_message_or_the_refusal_and_redirects(db, admin_person):
    request = _request(admin_person)
    response = run_service(request, lambda: "done", back="/back/", success=lambda result: f"好：{result}")
    assert (response.status_code, response.url) == (302, "/back/")

    def refuse():
        raise ValidationError(["原因一", "原因二"])

    response = run_service(request, refuse, back="/back/", success="不该出现", refused_prefix="未保存：")
    assert response.url == "/back/"
    assert [str(message) for message in get_messages(request)] == ["好：done", "未保存：原因一；原因二"]


def test_yes_no_filters_offer_all_yes_and_no():
    field = YesNoFilter(label="是否").field
    html = field.widget.render("studied", None)
    assert ["全部", "是", "否"] == [label for label in ("全部", "是", "否") if label in html]
    assert "未知" not in html
