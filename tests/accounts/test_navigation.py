import re

import pytest
from django.urls import reverse

from ideology_office.accounts.roles import Role

from ..factories import UserFactory

WORK_AREAS = ["responsibility", "study", "positions", "sentiment", "inspections"]


def nav_keys(client) -> list[str]:
    content = client.get(reverse("dashboard:home")).content.decode()
    return re.findall(r'data-nav="([a-z_]+)"', content)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.ADMIN, ["dashboard", *WORK_AREAS, "reports", "admin"]),
        (Role.LEADER, ["dashboard", *WORK_AREAS, "reports"]),
        (Role.SECTION_HEAD, ["dashboard", *WORK_AREAS]),
        (Role.STAFF, ["dashboard", *WORK_AREAS]),
        (Role.INSPECTOR, ["dashboard", *WORK_AREAS, "reports"]),
    ],
)
def test_each_role_sees_its_navigation(client, users_by_role, role, expected):
    client.force_login(users_by_role[role])
    assert nav_keys(client) == expected


@pytest.mark.django_db
def test_a_person_without_a_role_sees_only_the_dashboard_and_is_told_why(client):
    client.force_login(UserFactory())
    assert nav_keys(client) == ["dashboard"]
    assert "请联系管理员分配角色" in client.get("/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("area", WORK_AREAS)
def test_every_work_area_has_an_index_page(client, staff, area):
    client.force_login(staff)
    response = client.get(f"/{area}/")
    assert response.status_code == 200
    assert f'data-nav="{area}"' in response.content.decode()
    assert 'aria-current="page"' in response.content.decode()


@pytest.mark.django_db
def test_only_the_admin_role_reaches_the_django_admin(client, admin_person, leader):
    client.force_login(admin_person)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200
    client.force_login(leader)
    assert client.get("/admin/").status_code == 302


@pytest.mark.django_db
def test_user_menu_shows_name_section_and_roles(client, section_head):
    client.force_login(section_head)
    content = client.get("/").content.decode()
    assert section_head.real_name in content
    assert str(section_head.section) in content
    assert Role.SECTION_HEAD in content
    assert 'id="inbox-badge"' in content
