"""The 出席人员 list of a 室务会 is a searchable multi-select grouped by section: typing a name finds the
person, the chosen people stay in view as chips, and the meeting is saved with them — with no console error or
CSP violation from the widget."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ideology_office.accounts.models import OrgUnit
from ideology_office.accounts.roles import Role
from responsibility.models import MeetingAttendance, OfficeMeeting
from tests.factories import TEST_PASSWORD, OrgUnitFactory, UserFactory

CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_attendees_are_found_by_typing_and_kept_as_chips(browser, live_server):
    info = OrgUnitFactory(name="信息股", code="information", kind=OrgUnit.Kind.SECTION, sort_order=1)
    news = OrgUnitFactory(name="新闻股", code="news", kind=OrgUnit.Kind.SECTION, sort_order=2)
    UserFactory(username="xufang", real_name="徐芳", title="股长", section=info, roles=[Role.SECTION_HEAD])
    UserFactory(username="chenlihua", real_name="陈立华", title="主任", section=None, roles=[Role.LEADER])
    colleagues = [
        UserFactory(real_name=f"{name}", title="科员", section=section, roles=[Role.STAFF])
        for name, section in [("王静", info), ("刘洋", info), ("周敏", news), ("吴磊", news), ("郑丽", news)]
    ]

    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("xufang")
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("[data-testid=dashboard-title]")
    page.goto(f"{live_server.url}/responsibility/meetings/new/")

    widget = page.locator("#id_present + .ts-wrapper")
    assert widget.is_visible(), "the plain multi-select is enhanced into a searchable box"
    assert "ts-hidden-accessible" in page.locator("#id_present").get_attribute("class")
    search = page.get_by_role("combobox", name="出席人员")
    search.click()
    # Options are grouped under the sections.
    page.screenshot(path="var/screenshots/multiselect-open.png", full_page=True)
    expect(page.locator(".ts-dropdown .optgroup-header", has_text="新闻股")).to_have_count(1)
    search.fill("周")
    page.locator(".ts-dropdown .option", has_text="周敏").click()
    search.fill("王")
    page.locator(".ts-dropdown .option", has_text="王静").click()
    chips = widget.locator(".ts-control .item")
    assert chips.count() == 2
    assert "周敏（科员）" in chips.nth(0).inner_text() and "王静（科员）" in chips.nth(1).inner_text()
    page.screenshot(path="var/screenshots/multiselect-attendees.png", full_page=True)
    search.fill("没有这个人")
    assert page.locator(".ts-dropdown .no-results").inner_text() == "没有匹配的选项。"
    page.keyboard.press("Escape")

    today = timezone.localdate()
    page.get_by_label("会议日期").fill(today.isoformat())
    page.get_by_label("会议主题").fill("意识形态工作专题室务会")
    page.get_by_label("地点").fill("三楼会议室")
    page.get_by_label("主持人").select_option(label="陈立华（主任）")
    page.locator("[data-testid=save]").click()
    page.wait_for_selector("[data-testid=meeting-title]")

    meeting = OfficeMeeting.objects.get()
    present = set(
        MeetingAttendance.objects.filter(meeting=meeting).values_list("person__real_name", flat=True)
    )
    assert present == {"陈立华", "周敏", "王静"}
    assert colleagues[0].real_name in present
    assert problems == []
    assert page.evaluate("window.__cspViolations") == []


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_at_county_scale_people_outside_the_short_list_are_found_on_the_server(
    browser, live_server, monkeypatch
):
    """More people than a select lists (here 3, a county's 80): the box lists one's own section and
    asks ``common:people_choices`` for the others as one types; the person found is saved."""
    from ideology_office.common.widgets import GroupedChoicesMixin

    monkeypatch.setattr(GroupedChoicesMixin, "shown", 3)
    info = OrgUnitFactory(name="信息股", code="information", kind=OrgUnit.Kind.SECTION, sort_order=1)
    far = OrgUnitFactory(name="远山乡", code="yuanshan", kind=OrgUnit.Kind.SECTION, sort_order=9)
    UserFactory(username="xufang", real_name="徐芳", title="股长", section=info, roles=[Role.SECTION_HEAD])
    UserFactory(username="chenlihua", real_name="陈立华", title="主任", section=None, roles=[Role.LEADER])
    for name in ["甲一", "乙二", "丙三", "丁四", "戊五"]:
        UserFactory(real_name=name, title="干事", section=far, roles=[Role.STAFF])
    UserFactory(real_name="远方来客", title="干事", section=far, roles=[Role.STAFF])

    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("xufang")
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("[data-testid=dashboard-title]")
    page.goto(f"{live_server.url}/responsibility/meetings/new/")

    assert page.locator("#id_present option", has_text="远方来客").count() == 0, "not listed up front"
    search = page.get_by_role("combobox", name="出席人员")
    search.click()
    search.fill("远方")
    option = page.locator(".ts-dropdown .option", has_text="远方来客")
    expect(option).to_have_count(1)
    expect(page.locator(".ts-dropdown .optgroup-header", has_text="远山乡")).to_have_count(1)
    option.click()
    page.keyboard.press("Escape")
    page.get_by_label("会议日期").fill(timezone.localdate().isoformat())
    page.get_by_label("会议主题").fill("意识形态工作专题室务会")
    page.get_by_label("地点").fill("三楼会议室")
    page.get_by_label("主持人").select_option(label="陈立华（主任）")
    page.locator("[data-testid=save]").click()
    page.wait_for_selector("[data-testid=meeting-title]")
    present = set(MeetingAttendance.objects.values_list("person__real_name", flat=True))
    assert present == {"陈立华", "远方来客"}
    assert problems == []
    assert page.evaluate("window.__cspViolations") == []
