"""A rectification task in a real Chromium: the responsible person reports progress with an evidence
file and submits; the inspector sends it back once, then closes it out."""

import datetime

import pytest
from django.utils import timezone

from ideology_office.accounts.roles import Role
from inspections import services
from inspections.models import FindingCategory, Inspection, RectificationTask

from ..factories import TEST_PASSWORD, OrgUnitFactory, UserFactory

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def log_in(browser, live_server, username, *, width=1280, height=900):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("[data-testid=user-menu]")
    return context, page, problems


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_task_is_updated_with_evidence_sent_back_once_then_closed_out(browser, live_server, tmp_path):
    section = OrgUnitFactory(name="信息股")
    inspector = UserFactory(username="inspector-j", real_name="肖宁", roles=[Role.INSPECTOR])
    leader = UserFactory(username="leader-j", real_name="刘敏", roles=[Role.LEADER])
    person = UserFactory(username="staff-j", real_name="马骏", roles=[Role.STAFF], section=section)
    inspection = services.inspection_create(
        source=Inspection.Source.PROVINCIAL_TOUR,
        title="省委巡视反馈意见",
        date=datetime.date(2024, 3, 1),
        user=inspector,
    )
    finding = services.finding_create(
        inspection=inspection,
        category=FindingCategory.objects.get_or_create(name="舆论导向")[0],
        description="网络阵地三审三校执行不严",
        user=inspector,
    )
    task = services.task_create(
        finding=finding,
        measure="建立信息发布三审三校签批单",
        responsible_leader=leader,
        responsible_unit=section,
        responsible_person=person,
        deadline=timezone.localdate() + datetime.timedelta(days=5),
        user=inspector,
    )
    evidence = tmp_path / "签批单.pdf"
    evidence.write_bytes(PDF_BYTES)

    # The responsible person finds the task on the landing page, reports progress with a file, submits.
    context, page, problems = log_in(browser, live_server, "staff-j")
    page.goto(f"{live_server.url}/inspections/")
    page.get_by_role("link", name="建立信息发布三审三校签批单").first.click()
    page.wait_for_selector("[data-testid=progress-form]")
    form = page.locator("[data-testid=progress-form]")
    form.locator("[name=note]").fill("已制定签批单并试行")
    form.locator("[name=evidence]").set_input_files(str(evidence))
    form.get_by_role("button", name="提交进展").click()
    page.wait_for_selector("text=已记录整改进展")
    assert "签批单.pdf" in page.content()
    page.locator("[data-testid=submit-form]").get_by_role("button", name="提请验收").click()
    page.wait_for_selector("text=已提请验收")
    assert page.locator("[data-testid=task-state]").inner_text() == "待验收"
    page.screenshot(path=tmp_path / "task-desktop.png", full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=tmp_path / "task-phone.png", full_page=True)
    context.close()

    # The inspector sends it back once with a reason.
    inspector_context, inspector_page, inspector_problems = log_in(browser, live_server, "inspector-j")
    inspector_page.goto(f"{live_server.url}/inspections/tasks/{task.pk}/")
    back = inspector_page.locator("[data-testid=return-form]")
    back.locator("[name=return-reason]").fill("缺少试行记录")
    back.get_by_role("button", name="退回").click()
    inspector_page.wait_for_selector("text=已退回继续整改")
    assert inspector_page.locator("[data-testid=task-state]").inner_text() == "整改中"

    # The responsible person adds what was missing and submits again (through the service here).
    services.task_progress_add(task=task, user=person, note="已补充试行记录")
    services.task_submit(task=task, user=person)

    # The inspector closes it out after reviewing the evidence.
    inspector_page.reload()
    close = inspector_page.locator("[data-testid=close-form]")
    close.locator("[name=note]").fill("佐证材料齐全，同意销号")
    close.locator("[name=evidence_reviewed]").check()
    close.get_by_role("button", name="销号").click()
    inspector_page.wait_for_selector("text=已销号。")
    assert inspector_page.locator("[data-testid=task-state]").inner_text() == "已销号"
    history = inspector_page.locator("[data-testid=task-history]").inner_text()
    assert "退回" in history and "缺少试行记录" in history
    inspector_page.screenshot(path=tmp_path / "task-closed.png", full_page=True)
    inspector_context.close()

    task.refresh_from_db()
    assert task.state == RectificationTask.State.CLOSED and task.closed_by == inspector
    assert problems == [] and inspector_problems == []
    assert (tmp_path / "task-desktop.png").stat().st_size > 10_000
