"""Chinese labels keep their shape at 1366 px: table headers never break inside a word ("申请/人"), the
作废 button keeps its label on one line, and the evidence card gives its file box room even in the task
page's side column."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from inspections.models import RectificationTask

DEMO_PASSWORD = "demo-layout-password"
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"

# Headers wrapped onto a second line, and buttons whose label wrapped, measured in the page.
WRAPPED_HEADERS = """() => [...document.querySelectorAll('th')].filter((th) => {
  const text = th.innerText.trim();
  if (!text || th.offsetParent === null) return false;
  const range = document.createRange();
  range.selectNodeContents(th);
  const lines = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
  return lines.size > 1;
}).map((th) => th.innerText.trim())"""
WRAPPED_BUTTONS = """() => [...document.querySelectorAll('.btn')].filter((b) => {
  if (b.offsetParent === null || !b.innerText.trim()) return false;
  const lineHeight = parseFloat(getComputedStyle(b).lineHeight) || 20;
  const padding = parseFloat(getComputedStyle(b).paddingTop) + parseFloat(getComputedStyle(b).paddingBottom);
  return b.getBoundingClientRect().height - padding > lineHeight * 1.5;
}).map((b) => b.innerText.trim())"""


def log_in(page, base_url, username):
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("[data-testid=dashboard-title]")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_headers_buttons_and_the_evidence_card_keep_their_shape(browser, live_server, tmp_path):
    call_command(
        "seed_demo", password=DEMO_PASSWORD, logins_file=str(tmp_path / "l.txt"), only="inspections,sentiment"
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    task = (
        RectificationTask.objects.filter(voided_at__isnull=True, closed_at__isnull=True)
        .select_related("responsible_person")
        .order_by("pk")
        .first()
    )
    page = browser.new_context(viewport={"width": 1366, "height": 900}).new_page()
    log_in(page, live_server.url, "chenlihua")
    for path in ("/sentiment/swaps/", "/sentiment/incidents/", "/inspections/tasks/", "/inspections/"):
        page.goto(live_server.url + path)
        assert page.evaluate(WRAPPED_HEADERS) == [], path
        assert page.evaluate(WRAPPED_BUTTONS) == [], path

    page.context.clear_cookies()
    log_in(page, live_server.url, task.responsible_person.username)
    page.goto(live_server.url + task.get_absolute_url())
    file_box = page.locator("#attachment-file")
    file_box.wait_for()
    assert file_box.bounding_box()["width"] >= 200, "the evidence file box is squeezed"
    assert page.evaluate(WRAPPED_BUTTONS) == []
    page.screenshot(path=SCREENSHOTS / "task-evidence-1366.png", full_page=True)
