"""A staff member uploads a study-records file, sees every error, fixes the file and imports it;
then records a session with thirty attendees by marking only the absent one."""

import datetime

import pytest

from ideology_office.accounts.roles import Role
from study.models import StudySession
from tests.factories import TEST_PASSWORD, OrgUnitFactory, UserFactory
from tests.study.helpers import STUDY_HEADERS, xlsx_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_upload_see_errors_fix_and_import(browser, live_server, tmp_path):
    section = OrgUnitFactory(name="综合股", code="general")
    UserFactory(username="clerk", real_name="录入员", section=section, roles=[Role.STAFF])
    for number in range(29):
        UserFactory(
            username=f"member{number:02d}", real_name=f"成员{number:02d}", section=section, roles=[Role.STAFF]
        )
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("clerk")
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/study/import/")
    bad = xlsx_bytes(
        STUDY_HEADERS, [["下周一", "专题研讨", "网络安全专题研讨", "综合股", "", "", "", "成员99", ""]]
    )
    page.set_input_files(
        "input[type=file]", files=[{"name": "学习记录.xlsx", "mimeType": XLSX, "buffer": bad}]
    )
    page.locator("[data-testid=import-submit]").click()
    errors = page.locator("[data-testid=import-errors]")
    errors.wait_for()
    assert "发现 2 处问题" in errors.inner_text()
    assert "“下周一”不是日期" in errors.inner_text()
    assert "没有名为“成员99”的人员" in errors.inner_text()
    page.screenshot(path=tmp_path / "import-errors-desktop.png", full_page=True)
    assert StudySession.objects.count() == 0

    good = xlsx_bytes(
        STUDY_HEADERS,
        [
            [
                datetime.date(2024, 3, 5),
                "专题研讨",
                "网络安全专题研讨",
                "综合股",
                "",
                "",
                "网络安全",
                "成员01",
                "",
            ]
        ],
    )
    page.set_input_files(
        "input[type=file]", files=[{"name": "学习记录.xlsx", "mimeType": XLSX, "buffer": good}]
    )
    page.locator("[data-testid=import-submit]").click()
    page.wait_for_selector(".alert-success")
    assert "新建 1" in page.locator(".alert-success").inner_text()
    assert StudySession.objects.get().topic == "网络安全专题研讨"

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/study/sessions/new/")
    assert page.locator("[data-testid=attendance-table] tbody tr").count() == 30
    page.select_option("#id_kind", "central_group")
    page.fill("#id_date", "2024-03-12")
    page.fill("#id_topic", "学习党的二十大精神")
    status = page.locator("[data-testid=attendance-table] select").nth(3)
    status.select_option("absent")
    page.locator("[data-testid=attendance-table] tbody tr").nth(3).locator("input").fill("病假")
    page.screenshot(path=tmp_path / "session-form-phone.png", full_page=True)
    page.locator("[data-testid=save]").click()
    page.wait_for_selector("[data-testid=attendance-summary]")
    assert "应到 30 人，实到 29 人" in page.locator("[data-testid=attendance-summary]").inner_text()
    assert problems == []
    context.close()
