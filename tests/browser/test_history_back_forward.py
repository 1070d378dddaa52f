"""Back and Forward after htmx filters: the browser shows the whole styled page, never the
fragment an htmx request fetched for the same address (issue 17, bug 1)."""

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

DEMO_PASSWORD = "demo-browser-password"


def _whole_page(page):
    """The page has its navigation and its stylesheet applied (a fragment has neither)."""
    expect(page.locator("[data-testid=main-nav]")).to_be_visible()
    background = page.evaluate(
        "() => getComputedStyle(document.querySelector('.app-navbar')).backgroundColor"
    )
    assert background not in ("rgba(0, 0, 0, 0)", "transparent"), background
    assert page.evaluate("() => document.styleSheets.length") >= 3


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_back_and_forward_after_htmx_filters_show_whole_pages(browser, live_server, tmp_path):
    call_command("seed_demo", password=DEMO_PASSWORD, logins_file=str(tmp_path / "logins.txt"), only="study")
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("chenlihua")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("[data-testid=dashboard-title]")
    # htmx binds its triggers once the page has loaded.
    page.wait_for_load_state("load")

    # The dashboard's year, changed in place by htmx, then a record opened from the panels.
    page.get_by_label("年度").select_option("2023")
    page.wait_for_url("**/?year=2023*")
    expect(page.locator("[data-testid=kpis]")).to_contain_text("2023")
    page.locator("#office-panels a[href*='/records/']").first.click()
    page.wait_for_url("**/records/**")
    _whole_page(page)

    page.go_back()
    page.wait_for_url("**/?year=2023*")
    _whole_page(page)
    expect(page.locator("[data-testid=dashboard-title]")).to_be_visible()
    expect(page.get_by_label("年度")).to_have_value("2023")
    page.go_forward()
    page.wait_for_url("**/records/**")
    _whole_page(page)

    # The study list filtered by kind, a session opened, then Back and Forward.
    page.goto(f"{live_server.url}/study/sessions/")
    page.get_by_label("类型").select_option("central_group")
    page.wait_for_url("**/study/sessions/?*kind=central_group*")
    expect(page.locator("[data-testid=result-count]")).to_be_visible()
    page.locator("#results tbody a").first.click()
    page.wait_for_url("**/study/sessions/**")
    _whole_page(page)

    page.go_back()
    page.wait_for_url("**/study/sessions/?*kind=central_group*")
    _whole_page(page)
    expect(page.get_by_label("类型")).to_have_value("central_group")
    expect(page.locator("#results tbody a").first).to_be_visible()
    page.go_forward()
    page.wait_for_url("**/study/sessions/**")
    _whole_page(page)

    # Back twice more reaches the unfiltered list, whole too.
    page.go_back()
    page.go_back()
    page.wait_for_url(f"{live_server.url}/study/sessions/")
    _whole_page(page)
    assert problems == []
    context.close()
