"""The 三审三校 journey in a real browser: an author drafts, three reviewers sign with opinions,
one returns the item and it is resubmitted, the responsible person publishes it, and the
信息发布审核表 is opened."""

import pytest

from positions.models import ContentItem, SignOff

from ..factories import TEST_PASSWORD
from ..positions.factories import Desk


def _login(browser, live_server, user, problems):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(user.username)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("[data-testid=main-nav]")
    return context, page


def _sign(browser, live_server, user, item, decision, opinion, problems, tmp_path=None):
    context, page = _login(browser, live_server, user, problems)
    page.goto(f"{live_server.url}/positions/items/queue/")
    page.locator("[data-testid=queue]").get_by_role("link", name=item.title).click()
    form = page.locator("[data-testid=sign-form]")
    form.locator("select[name=decision]").select_option(label=decision)
    form.locator("textarea[name=opinion]").fill(opinion)
    if tmp_path is not None:
        page.screenshot(path=tmp_path / "sign-desktop.png", full_page=True)
    form.get_by_role("button", name="签署").click()
    page.wait_for_selector(".alert")
    context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_item_goes_through_three_reviews_with_a_return_and_is_published(browser, live_server, tmp_path):
    desk = Desk()
    problems = []

    context, page = _login(browser, live_server, desk.author, problems)
    page.goto(f"{live_server.url}/positions/")
    page.get_by_role("link", name="新建信息").first.click()
    page.get_by_label("平台").select_option(str(desk.platform.pk))
    page.get_by_label("标题").fill("县委办公室召开意识形态工作专题会议")
    page.get_by_label("内容").fill("会议传达学习了上级精神。\n会议研究部署了下一阶段工作。")
    page.get_by_role("button", name="保存").click()
    page.get_by_test_id("submit").click()
    assert "初审" in page.get_by_test_id("item-status").inner_text()
    context.close()
    item = ContentItem.objects.get()

    _sign(browser, live_server, desk.first, item, "同意", "内容属实，已校对。", problems, tmp_path)
    _sign(browser, live_server, desk.second, item, "退回作者", "第二段表述不够准确，请修改。", problems)

    context, page = _login(browser, live_server, desk.author, problems)
    page.goto(f"{live_server.url}{item.get_absolute_url()}")
    assert "已退回" in page.get_by_test_id("item-status").inner_text()
    page.get_by_role("link", name="修改内容").click()
    page.get_by_label("内容").fill("会议传达学习了上级精神。\n会议对下一阶段意识形态工作作出具体部署。")
    page.get_by_role("button", name="保存").click()
    page.get_by_test_id("submit").click()
    context.close()

    # The first reviewer sees what changed since the last visit.
    context, page = _login(browser, live_server, desk.first, problems)
    page.goto(f"{live_server.url}{item.get_absolute_url()}")
    assert "作出具体部署" in page.get_by_test_id("diff").inner_text()
    context.close()
    _sign(browser, live_server, desk.first, item, "同意", "已按意见修改，同意。", problems)
    _sign(browser, live_server, desk.second, item, "同意", "导向正确，同意报终审。", problems)
    _sign(browser, live_server, desk.final, item, "同意", "同意发布。", problems)

    context, page = _login(browser, live_server, desk.publisher, problems)
    page.goto(f"{live_server.url}{item.get_absolute_url()}")
    form = page.get_by_test_id("publish-form")
    form.get_by_label("网址").fill("https://www.example.gov.cn/2025/1.html")
    form.get_by_role("button", name="发布").click()
    assert "已发布" in page.get_by_test_id("item-status").inner_text()
    page.get_by_test_id("review-form").click()
    assert page.get_by_test_id("review-form-title").inner_text() == "信息发布审核表"
    table = page.get_by_test_id("review-form-signoffs").inner_text()
    for opinion in ("内容属实，已校对。", "第二段表述不够准确，请修改。", "同意发布。"):
        assert opinion in table
    page.screenshot(path=tmp_path / "review-form-desktop.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}{item.get_absolute_url()}")
    page.screenshot(path=tmp_path / "item-phone.png", full_page=True)
    context.close()

    item.refresh_from_db()
    assert item.status == ContentItem.Status.PUBLISHED
    assert item.publication.revision_id == item.approved_revision_id
    assert SignOff.objects.filter(item=item, decision="reject").count() == 1
    assert (tmp_path / "review-form-desktop.png").stat().st_size > 10_000
    assert problems == []
