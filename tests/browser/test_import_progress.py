"""A 20,000-row study file becomes a background job; its page's progress bar moves while the rows
are written, because progress is published outside the import's transaction."""

import datetime
import re
import threading

import pytest

from ideology_office.accounts.roles import Role
from study.models import StudySession
from tests.factories import TEST_PASSWORD, OrgUnitFactory, UserFactory
from tests.study.helpers import STUDY_HEADERS, xlsx_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROWS = 20_000


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_progress_bar_moves_during_the_write_phase(browser, live_server, monkeypatch, tmp_path):
    from django.db import connection

    from study import tasks

    section = OrgUnitFactory(name="综合股", code="general")
    UserFactory(username="clerk", real_name="录入员", section=section, roles=[Role.STAFF])
    start = datetime.date(2024, 1, 1)
    rows = [
        [
            start + datetime.timedelta(days=number % 300),
            "专题研讨",
            f"专题研讨第{number}次",
            "综合股",
            "",
            "",
            "",
            "",
            "",
        ]
        for number in range(ROWS)
    ]
    data = xlsx_bytes(STUDY_HEADERS, rows)

    # The worker: the job runs in a thread of its own, as a Celery worker would run it beside the
    # web server, with its own database connection.
    workers = []

    def run_in_background(pk):
        def work():
            try:
                tasks.run_import_job(pk)
            finally:
                connection.close()

        worker = threading.Thread(target=work, daemon=True)
        workers.append(worker)
        worker.start()

    monkeypatch.setattr(tasks.run_import_job, "delay", run_in_background)

    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("clerk")
    page.get_by_label("密码").fill(TEST_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/study/import/")
    page.set_input_files(
        "input[type=file]", files=[{"name": "全年学习记录.xlsx", "mimeType": XLSX, "buffer": data}]
    )
    page.locator("[data-testid=import-submit]").click()
    page.locator("[data-testid=job-progress]").wait_for()

    # Read the bar as the page shows it (it polls every second), and, ten times as often, the very
    # fragment it polls, until the job is done.
    job_url = page.url
    seen_while_writing = set()
    for _ in range(1200):
        fragment = page.request.get(job_url, headers={"HX-Request": "true"}).text()
        shown = page.locator("[data-testid=job-progress]").inner_html()
        for html in (fragment, shown):
            found = re.search(r'data-percent="(\d+)"', html)
            if "写入中" in html and found:
                seen_while_writing.add(int(found.group(1)))
        if 'data-testid="job-done"' in fragment or 'data-testid="import-errors"' in fragment:
            break
        page.wait_for_timeout(100)
    page.locator("[data-testid=job-done], [data-testid=import-errors]").wait_for(timeout=30_000)
    for worker in workers:
        worker.join(timeout=120)
    page.screenshot(path=tmp_path / "import-done.png", full_page=True)
    assert page.locator("[data-testid=job-done]").count() == 1, page.content()[:2000]
    assert StudySession.objects.count() == ROWS
    # More than one value between the start and the end of writing: the bar moved.
    moving = {percent for percent in seen_while_writing if 0 < percent < 100}
    assert len(moving) >= 2, seen_while_writing
