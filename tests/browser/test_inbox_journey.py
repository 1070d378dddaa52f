"""The in-app reminder of a task due tomorrow, as the demo delivers it: the responsible person sees
the bell's count, opens the inbox, follows the reminder to the task, and the count goes down."""

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import expect

from ideology_office.notifications.models import InboxMessage

DEMO_PASSWORD = "demo-browser-password"
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_demo_reminder_of_a_task_due_tomorrow_reaches_its_owner(browser, live_server, tmp_path):
    call_command(
        "seed_demo",
        password=DEMO_PASSWORD,
        logins_file=str(tmp_path / "logins.txt"),
        only="inspections",
        stdout=StringIO(),
    )
    call_command("run_reminders", "--once", stdout=StringIO())
    unread = InboxMessage.objects.filter(recipient__username="majun", read_at__isnull=True)
    reminder = unread.filter(title__contains="整改任务").order_by("-created_at").first()
    assert reminder is not None
    count = unread.count()

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN").new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("majun")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()

    badge = page.locator("#inbox-badge")
    expect(badge).to_have_text(str(count))
    page.locator("#inbox-link").click()
    page.wait_for_url("**/inbox/")
    message = page.locator("[data-testid=inbox-message]", has_text=reminder.title)
    expect(message).to_contain_text("未读")
    page.screenshot(path=SCREENSHOTS / "inbox.png", full_page=True)

    # The title is a small POST form styled as a link: opening marks read, a GET changes nothing.
    message.get_by_role("button", name=reminder.title).click()
    page.wait_for_url(f"**{reminder.url}")
    expect(page.locator("#inbox-badge")).to_have_text(str(count - 1) if count > 1 else "0")
    reminder.refresh_from_db()
    assert reminder.read_at is not None
    assert problems == []
