"""Chart tooltips work under the strict CSP: hovering every series of every chart shows a readable
tooltip with a colour marker per row, and no console error or CSP violation (issue 17, bug 2)."""

import re

import pytest
from django.core.management import call_command

DEMO_PASSWORD = "demo-browser-password"

# Listens before any page script runs; CSP reports every blocked inline style here.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(event.violatedDirective + ' ' + (event.sample || event.blockedURI));
});
"""

# For each series of a chart, the centre of its first bar with a value, in page coordinates.
BAR_CENTRES = """(element) => {
  const chart = window.echarts.getInstanceByDom(element);
  const box = element.getBoundingClientRect();
  const found = [];
  chart.getModel().eachSeries((series) => {
    const data = series.getData();
    for (let index = 0; index < data.count(); index += 1) {
      // A bar drawn bigger than a hairline has a value.
      const layout = data.getItemLayout(index);
      if (layout && Math.abs(layout.width) > 2 && Math.abs(layout.height) > 2) {
        found.push({
          series: series.name, index,
          x: box.left + layout.x + layout.width / 2, y: box.top + layout.y + layout.height / 2,
        });
        return;
      }
    }
  });
  return found;
}"""


def _sign_in(page, url, username):
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("[data-testid=dashboard-title]")
    # htmx binds its triggers once the page has loaded.
    page.wait_for_load_state("load")


def _hover_every_series(page):
    charts = page.locator("[data-chart]")
    page.wait_for_selector("[data-chart][data-chart-ready=true]", timeout=15_000)
    hovered = 0
    for number in range(charts.count()):
        chart = charts.nth(number)
        chart.scroll_into_view_if_needed()
        for bar in chart.evaluate(BAR_CENTRES):
            page.mouse.move(bar["x"], bar["y"])
            tooltip = chart.locator(".chart-tooltip")
            tooltip.wait_for(state="visible", timeout=5_000)
            text = tooltip.inner_text()
            # A title line, then one row per series: "name value", each with its marker.
            rows = tooltip.locator(".chart-tooltip-row")
            assert rows.count() >= 1, text
            for row_number in range(rows.count()):
                row = rows.nth(row_number)
                assert re.fullmatch(r"(\S.*\s+)?[\d.]+", row.inner_text().strip()), row.inner_text()
                colour = row.locator(".chart-marker").evaluate("(el) => getComputedStyle(el).backgroundColor")
                assert colour not in ("rgba(0, 0, 0, 0)", "transparent"), colour
                marker_box = row.locator(".chart-marker").bounding_box()
                assert marker_box["width"] >= 6 and marker_box["height"] >= 6
            assert tooltip.locator(".chart-tooltip-title").inner_text().strip()
            assert "series" not in text
            if bar["series"] and not bar["series"].startswith("series"):
                assert bar["series"] in text
            hovered += 1
            page.mouse.move(1, 1)
    return hovered


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_every_chart_series_shows_a_readable_tooltip_without_csp_violations(browser, live_server, tmp_path):
    call_command("seed_demo", password=DEMO_PASSWORD, logins_file=str(tmp_path / "logins.txt"), only="study")
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    context.add_init_script(WATCH_CSP)
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))

    # The leader's study chart (stacked, one series per kind) and points chart (horizontal bars).
    _sign_in(page, live_server.url, "chenlihua")
    page.get_by_label("年度").select_option("2023")
    page.wait_for_url("**/?year=2023*")
    page.wait_for_selector("[data-testid=study-chart][data-chart-ready=true]")
    hovered = _hover_every_series(page)
    series_count = page.evaluate(
        "() => JSON.parse(document.getElementById('study-chart-data').textContent)"
        ".series.filter((series) => series.values.some((value) => value > 0)).length"
    )
    assert series_count >= 3
    assert hovered >= series_count + 1
    assert page.evaluate("() => window.__cspViolations") == []
    page.locator("[data-testid=user-menu]").click()
    page.locator("[data-testid=logout]").click()

    # A staff member's headcount chart (plain bars).
    _sign_in(page, live_server.url, "zhengkai")
    assert _hover_every_series(page) >= 1
    assert page.evaluate("() => window.__cspViolations") == []
    assert problems == []
    context.close()
