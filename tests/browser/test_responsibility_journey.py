"""A section head records a 室务会 with a follow-up action in a real Chromium; the leader in charge
sees the section's meeting in the chain and the action on their own list, at desktop and phone width."""

import datetime

import pytest
from django.utils import timezone

from ideology_office.accounts.models import OrgUnit
from ideology_office.accounts.roles import Role
from responsibility import services
from responsibility.models import FollowUpAction, OfficeMeeting
from tests.factories import TEST_PASSWORD, OrgUnitFactory, UserFactory


def log_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("[data-testid=dashboard-title]")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_meeting_with_a_follow_up_reaches_the_leader_in_charge(browser, live_server, tmp_path):
    today = timezone.localdate()
    info = OrgUnitFactory(name="信息股", code="information", kind=OrgUnit.Kind.SECTION)
    UserFactory(
        username="xufang", real_name="徐芳", title="信息股股长", section=info, roles=[Role.SECTION_HEAD]
    )
    chief = UserFactory(
        username="chenlihua", real_name="陈立华", title="主任", section=None, roles=[Role.LEADER]
    )
    deputy = UserFactory(
        username="sunlijuan", real_name="孙丽娟", title="副主任", section=None, roles=[Role.LEADER]
    )
    for leader, principal, sections in ((chief, True, []), (deputy, False, [info])):
        services.assignment_save(
            year=today.year,
            leader=leader,
            is_principal=principal,
            sections=sections,
            fields_in_charge="信息报送、网络阵地",
            duties="指导分管股室落实意识形态工作责任",
            letter_signed_on=today,
            user=chief,
        )

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))

    # The section head records the meeting.
    log_in(page, live_server.url, "xufang")
    page.goto(f"{live_server.url}/responsibility/meetings/")
    page.locator("[data-testid=new-meeting]").click()
    page.get_by_label("会议日期").fill(today.isoformat())
    page.get_by_label("会议主题").fill("第四季度意识形态工作专题室务会")
    page.get_by_label("地点").fill("三楼会议室")
    page.get_by_label("主持人").select_option(label="陈立华（主任）")
    page.get_by_label("专题研究意识形态工作").check()
    page.get_by_label("第一议题学习（第 1 项议题）").fill("学习习近平总书记关于意识形态工作的重要论述")
    page.get_by_label("其他议题").fill("分析研判网络舆情\n部署下季度工作")
    page.screenshot(path=tmp_path / "meeting-form.png", full_page=True)
    page.locator("[data-testid=save]").click()
    page.wait_for_selector("[data-testid=meeting-title]")
    assert "第四季度意识形态工作专题室务会" in page.locator("[data-testid=meeting-title]").inner_text()

    page.locator("[data-testid=add-follow-up] summary").click()
    page.get_by_label("落实事项", exact=True).fill("梳理本季度网络阵地发布内容，形成审核情况报告")
    page.get_by_label("责任人").select_option(label="孙丽娟（副主任）")
    page.get_by_label("完成时限").fill((today + datetime.timedelta(days=30)).isoformat())
    page.locator("[data-testid=add-follow-up-submit]").click()
    page.wait_for_selector("text=梳理本季度网络阵地发布内容")
    page.screenshot(path=tmp_path / "meeting-detail.png", full_page=True)
    meeting = OfficeMeeting.objects.get()
    assert meeting.section == info and meeting.agenda_items.count() == 3
    assert FollowUpAction.objects.get().owner == deputy

    # The leader in charge sees the section's meeting in the chain and the action on their list.
    page.locator("[data-testid=user-menu]").click()
    page.locator("[data-testid=logout]").click()
    log_in(page, live_server.url, "sunlijuan")
    page.goto(f"{live_server.url}/responsibility/assignments/chain/")
    chain = page.locator("[data-testid=chain]").inner_text()
    assert "信息股" in chain and "已登记室务会 1 次" in chain and "未完成落实事项 1 项" in chain
    page.screenshot(path=tmp_path / "chain-desktop.png", full_page=True)
    page.goto(f"{live_server.url}/responsibility/")
    assert "梳理本季度网络阵地发布内容" in page.locator("[data-testid=my-follow-ups]").inner_text()
    page.goto(f"{live_server.url}/responsibility/follow-ups/")
    page.get_by_label("仅看我的").select_option(label="是")
    page.wait_for_url("**mine=true**")
    rows = page.locator("[data-testid=follow-up-row]")
    assert rows.count() == 1 and "孙丽娟" in rows.first.inner_text()

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/responsibility/assignments/chain/")
    page.screenshot(path=tmp_path / "chain-phone.png", full_page=True)
    page.goto(f"{live_server.url}{meeting.get_absolute_url()}")
    page.screenshot(path=tmp_path / "meeting-phone.png", full_page=True)
    assert (tmp_path / "chain-desktop.png").stat().st_size > 10_000
    assert problems == []
    context.close()
