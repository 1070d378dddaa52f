"""Changing "列出人员" in the study form keeps the absences already marked and their reasons
(issue 17, bug 6)."""

import pytest
from playwright.sync_api import expect

from ideology_office.accounts.roles import Role
from study.models import Attendance
from tests.factories import TEST_PASSWORD, OrgUnitFactory, UserFactory


def _row(page, name):
    return page.locator("[data-testid=attendance-table] tbody tr").filter(has_text=name)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_changing_the_listed_people_keeps_marks_and_reasons(browser, live_server):
    general = OrgUnitFactory(name="综合股", code="general")
    publicity = OrgUnitFactory(name="宣传股", code="publicity")
    UserFactory(username="clerk", real_name="录入员", section=general, roles=[Role.STAFF])
    for number in range(9):
        UserFactory(username=f"g{number}", real_name=f"综合{number}", section=general, roles=[Role.STAFF])
    for number in range(5):
        UserFactory(username=f"p{number}", real_name=f"宣传{number}", section=publicity, roles=[Role.STAFF])
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("clerk")
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/study/sessions/new/")
    page.wait_for_load_state("load")
    rows = page.locator("[data-testid=attendance-table] tbody tr")
    expect(rows).to_have_count(10)
    _row(page, "综合3").locator("select").select_option("absent")
    _row(page, "综合3").locator("input").fill("病假")
    _row(page, "综合5").locator("select").select_option("absent")
    _row(page, "综合5").locator("input").fill("外出培训")

    # Another section: its five people, and the two marked absent with their reasons.
    page.locator("#attendees").select_option(label="宣传股")
    expect(rows).to_have_count(7)
    expect(_row(page, "综合3").locator("select")).to_have_value("absent")
    expect(_row(page, "综合3").locator("input")).to_have_value("病假")
    expect(_row(page, "综合5").locator("input")).to_have_value("外出培训")
    _row(page, "宣传2").locator("select").select_option("absent")
    _row(page, "宣传2").locator("input").fill("事假")

    # The whole office, then back to the first section: every mark survives both changes.
    page.locator("#attendees").select_option("office")
    expect(rows).to_have_count(15)
    expect(_row(page, "宣传2").locator("input")).to_have_value("事假")
    page.locator("#attendees").select_option(label="综合股")
    expect(rows).to_have_count(11)
    expect(_row(page, "综合3").locator("input")).to_have_value("病假")
    expect(_row(page, "宣传2").locator("select")).to_have_value("absent")

    page.select_option("#id_kind", "central_group")
    page.fill("#id_date", "2024-03-12")
    page.fill("#id_topic", "学习党的二十大精神")
    page.locator("[data-testid=save]").click()
    page.wait_for_selector("[data-testid=attendance-summary]")
    assert "应到 11 人，实到 8 人" in page.locator("[data-testid=attendance-summary]").inner_text()
    absent = {
        line.person.real_name: line.absence_reason
        for line in Attendance.objects.filter(status=Attendance.Status.ABSENT).select_related("person")
    }
    assert absent == {"综合3": "病假", "综合5": "外出培训", "宣传2": "事假"}
    assert problems == []
    context.close()
