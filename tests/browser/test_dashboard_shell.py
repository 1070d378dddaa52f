"""A leader logs in through a real Chromium and sees the dashboard shell, at desktop and phone widths."""

import pytest
from django.core.management import call_command

DEMO_PASSWORD = "demo-browser-password"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_demo_leader_logs_in_and_sees_the_dashboard(browser, live_server, tmp_path):
    call_command(
        "seed_demo", password=DEMO_PASSWORD, logins_file=str(tmp_path / "logins.txt"), only="accounts"
    )
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("requestfailed", lambda request: problems.append(f"failed: {request.url}"))

    page.goto(f"{live_server.url}/")
    assert "/accounts/login/" in page.url
    page.get_by_label("用户名").fill("chenlihua")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()

    page.wait_for_selector("[data-testid=dashboard-title]")
    assert page.locator("[data-testid=dashboard-title]").inner_text() == "工作台"
    nav = page.locator("[data-testid=main-nav] a")
    assert [text.strip() for text in nav.all_inner_texts()] == [
        "工作台",
        "责任落实",
        "理论学习",
        "阵地管理",
        "舆情值班",
        "督查整改",
        "年度工作汇报",
    ]
    assert "陈立华" in page.locator("[data-testid=user-menu]").inner_text()
    # The chart is drawn from the records by the page's own script, under the CSP.
    page.wait_for_selector("[data-chart][data-chart-ready=true]", timeout=10_000)
    page.screenshot(path=tmp_path / "dashboard-desktop.png", full_page=True)

    # At phone width the navigation folds behind the toggler and opens with it.
    page.set_viewport_size({"width": 390, "height": 844})
    study_link = page.locator("[data-nav=study]")
    assert not study_link.is_visible()
    page.get_by_role("button", name="展开导航").click()
    study_link.wait_for(state="visible")
    page.wait_for_selector("#main-nav.show")
    page.screenshot(path=tmp_path / "dashboard-phone.png", full_page=True)
    study_link.click()
    page.wait_for_url(f"{live_server.url}/study/")

    page.set_viewport_size({"width": 1280, "height": 800})
    page.locator("[data-testid=user-menu]").click()
    page.locator("[data-testid=logout]").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")
    assert "您已退出登录" in page.content()

    assert (tmp_path / "dashboard-desktop.png").stat().st_size > 10_000
    assert problems == []
    context.close()
