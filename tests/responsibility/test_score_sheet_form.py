"""An assessment's score sheet is saved in one form, and its total counts the pre-filled lines as
shown, saying so (issue 17, where a flow lands you)."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from responsibility.models import Assessment

from .factories import scheme_with_items
from .test_assessment import IDEOLOGY_TWICE, MANUAL, MONTHLY, QUARTERLY, VETO, meetings_2023, start  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessment(test_countables, meetings_2023, info_section, inspector, frozen_today):  # noqa: F811
    # Pre-filled: 3 (monthly), 7.5 (quarterly), 10 (twice a year); the assessor scores the rest.
    scheme = scheme_with_items(items=[MONTHLY, QUARTERLY, IDEOLOGY_TWICE, MANUAL, VETO])
    return start(scheme, info_section, inspector)


def _sheet(assessment, **changes):
    data = {}
    for line in assessment.scores.select_related("item"):
        shown = line.auto_score if line.auto_score is not None else ""
        data[f"score-{line.pk}"] = str(shown)
        data[f"reason-{line.pk}"] = ""
        for requirement, (score, reason) in changes.items():
            if line.item.requirement == requirement:
                data[f"score-{line.pk}"], data[f"reason-{line.pk}"] = score, reason
    return data


def _total(page):
    return re.search(r'data-testid="total">\s*([\d.]+)', page).group(1)


def test_the_total_counts_prefilled_lines_and_says_so(client, inspector, assessment):
    client.force_login(inspector)
    page = client.get(assessment.get_absolute_url()).content.decode()
    assert Decimal(_total(page)) == Decimal("20.5")
    assert "暂计" in page
    assert 'data-testid="total-note"' in page
    # One form for the whole sheet, one save button.
    assert page.count('data-testid="score-sheet-form"') == 1
    assert page.count('data-testid="save-sheet"') == 1


def test_one_save_confirms_every_line(client, inspector, assessment):
    client.force_login(inspector)
    data = _sheet(assessment, **{MANUAL["requirement"]: ("9", "缺 1 份责任书")})
    response = client.post(reverse("responsibility:scores_save", args=[assessment.pk]), data)
    assert response.status_code == 302
    lines = list(assessment.scores.all())
    assert all(line.confirmed_at is not None for line in lines)
    assert sum(line.score for line in lines) == Decimal("29.5")
    client.post(reverse("responsibility:assessment_complete", args=[assessment.pk]))
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.COMPLETED and assessment.total == Decimal("29.5")


def test_one_refused_line_saves_nothing_and_keeps_what_was_typed(client, inspector, assessment):
    client.force_login(inspector)
    # The manual line takes points off without a reason; the monthly line is changed with one.
    data = _sheet(assessment, **{MANUAL["requirement"]: ("6", ""), MONTHLY["requirement"]: ("4", "补充记录")})
    response = client.post(reverse("responsibility:scores_save", args=[assessment.pk]), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "扣分须填写理由" in page
    assert "补充记录" in page and 'value="6"' in page
    assert not assessment.scores.filter(confirmed_at__isnull=False).exists()
