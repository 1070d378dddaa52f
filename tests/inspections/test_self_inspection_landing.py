"""Self-inspection: marking a check-point "发现问题" lands where "列入问题清单" is offered for
that very problem; the inspection page offers it on the row too (issue 17, where a flow lands you)."""

import pytest
from django.urls import reverse

from inspections.models import ChecklistItem, ChecklistTemplate, Inspection

from .factories import category

pytestmark = pytest.mark.django_db


@pytest.fixture
def result(client, inspector):
    template = ChecklistTemplate.objects.create(name="清单")
    ChecklistItem.objects.create(template=template, category=category("舆论导向"), text="三审三校")
    ChecklistItem.objects.create(template=template, category=category("舆论导向"), text="宣传栏更新")
    client.force_login(inspector)
    client.post(
        reverse("inspections:self_inspection_create"),
        {"checklist": template.pk, "title": "2024年度自查", "date": "2024-06-01"},
    )
    return Inspection.objects.get().results.get(item__text="三审三校")


def test_a_problem_found_lands_on_its_raise_form(client, result):
    url = reverse("inspections:checklist_result_edit", args=[result.pk])
    response = client.post(
        url, {"action": "record", "result-outcome": "problem", "result-note": "审核记录不全"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{url}#raise"
    page = client.get(url).content.decode()
    assert 'id="raise"' in page and "列入问题清单" in page
    assert "审核记录不全" in page  # the note is the finding's description to start from

    # The inspection page offers the same step on the row.
    inspection_page = client.get(result.inspection.get_absolute_url()).content.decode()
    assert f'href="{url}#raise"' in inspection_page


def test_no_problem_goes_back_to_the_inspection(client, result):
    url = reverse("inspections:checklist_result_edit", args=[result.pk])
    response = client.post(url, {"action": "record", "result-outcome": "passed", "result-note": ""})
    assert response["Location"] == result.inspection.get_absolute_url()
    assert (
        'data-testid="raise-finding"' not in client.get(result.inspection.get_absolute_url()).content.decode()
    )
