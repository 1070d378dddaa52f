"""A duty officer asks to swap a shift in a real Chromium; a leader approves it; the roster changes.
Screenshots of the month view and the risk heat map at desktop and phone widths."""

import datetime

import pytest

from ideology_office.accounts.roles import Role
from sentiment import services
from sentiment.models import ShiftSwap

from ..factories import TEST_PASSWORD, UserFactory
from ..sentiment.factories import future_month, published_roster, review_in, shift_on


def log_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("[data-testid=user-menu]")


def log_out(page):
    page.locator("[data-testid=user-menu]").click()
    page.locator("[data-testid=logout]").click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_swap_request_and_leader_approval(browser, live_server, tmp_path):
    leader = UserFactory(username="leader-b", real_name="陈主任", roles=[Role.LEADER])
    officers = [
        UserFactory(
            username=f"officer{index}",
            real_name=f"值班员{index}",
            phone=f"1380000000{index}",
            roles=[Role.STAFF],
        )
        for index in range(3)
    ]
    month = future_month()
    published_roster(month=month, leader=leader, officers=officers, leaders=[leader])
    review = review_in(year=2024, quarter=2, user=leader)
    for likelihood, impact in [(4, 5), (2, 3), (4, 5)]:
        services.risk_create(
            review=review,
            user=leader,
            issue="汛期供水中断舆情",
            field="livelihood",
            likelihood=likelihood,
            impact=impact,
            owner=leader,
            response_plan="提前发布预案",
        )
    mine, theirs = shift_on(month), shift_on(month + datetime.timedelta(days=1))

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))

    log_in(page, live_server.url, "officer0")
    page.goto(f"{live_server.url}/sentiment/roster/{month.year}/{month.month}/")
    page.wait_for_selector("[data-testid=roster-calendar]")
    page.screenshot(path=tmp_path / "roster-desktop.png", full_page=True)
    page.locator("[data-testid=shift-link]").first.click()
    page.locator("[data-testid=request-swap]").click()
    page.get_by_label("由谁接替").select_option(str(officers[1].pk))
    page.get_by_label("您对调承担的对方班次").select_option(str(theirs.pk))
    page.get_by_label("调班理由").fill("家中有事，与值班员1对调")
    page.get_by_role("button", name="保存").click()
    page.wait_for_selector("text=调班申请已提交，待领导审批。")
    assert ShiftSwap.objects.get().status == "pending"
    log_out(page)

    log_in(page, live_server.url, "leader-b")
    page.goto(f"{live_server.url}/sentiment/swaps/?status=pending")
    page.locator("[data-testid=approve-swap]").click()
    page.wait_for_selector("text=调班已批准，值班表已更新。")
    assert shift_on(month).officer == officers[1]
    assert shift_on(month + datetime.timedelta(days=1)).officer == officers[0]
    page.goto(f"{live_server.url}{mine.get_absolute_url()}")
    assert "值班员1" in page.locator("[data-testid=shift-officer]").inner_text()

    page.goto(f"{live_server.url}{review.get_absolute_url()}")
    page.wait_for_selector("[data-risk-heatmap][data-chart-ready=true]", timeout=10_000)
    page.screenshot(path=tmp_path / "review-desktop.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/sentiment/roster/{month.year}/{month.month}/")
    page.screenshot(path=tmp_path / "roster-phone.png", full_page=True)
    page.goto(f"{live_server.url}/sentiment/")
    page.screenshot(path=tmp_path / "index-phone.png", full_page=True)
    context.close()

    assert (tmp_path / "roster-desktop.png").stat().st_size > 10_000
    assert problems == []
