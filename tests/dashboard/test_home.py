import json
import re

import pytest

from ..factories import OrgUnitFactory, UserFactory


@pytest.mark.django_db
def test_home_shows_people_by_section_from_the_records(client, leader, django_assert_max_num_queries):
    for number in range(3):
        section = OrgUnitFactory(name=f"第{number}股", sort_order=number)
        UserFactory.create_batch(number + 1, section=section)
    UserFactory(section=section, is_active=False)
    client.force_login(leader)
    with django_assert_max_num_queries(6):
        response = client.get("/")
    html = response.content.decode()
    data = json.loads(
        re.search(r'id="headcount-chart-data" type="application/json">(.*?)</script>', html).group(1)
    )
    counts = dict(zip(data["categories"], data["values"], strict=True))
    assert counts["第0股"] == 1 and counts["第1股"] == 2 and counts["第2股"] == 3


@pytest.mark.django_db
def test_query_count_of_home_does_not_grow_with_people(client, leader, django_assert_max_num_queries):
    section = OrgUnitFactory()
    UserFactory.create_batch(40, section=section)
    client.force_login(leader)
    with django_assert_max_num_queries(6):
        assert client.get("/").status_code == 200
