"""A leader's year-end journey through a real Chromium: the dashboard, a change of year, a chart
followed to its records, the annual report's figures and its Word download. Screenshots are kept
in var/screenshots/ for people to look at."""

import io
import threading
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command
from playwright.sync_api import expect

DEMO_PASSWORD = "demo-browser-password"
SCREENSHOTS = Path(settings.BASE_DIR) / "var" / "screenshots"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_leader_reads_the_dashboard_follows_a_chart_and_downloads_the_report(
    browser, live_server, tmp_path, monkeypatch
):
    from django.db import connection

    from ideology_office.reports import services

    # The worker: a ledger download asked for runs in a thread of its own, as a Celery worker
    # would beside the web server, once the test lets it (so that its waiting page is seen).
    release = threading.Event()

    def run_in_background(job_id, base_url):
        def work():
            try:
                release.wait(30)
                services.ledger_export_run(job_id, base_url)
            finally:
                connection.close()

        threading.Thread(target=work, daemon=True).start()

    monkeypatch.setattr(services, "_enqueue", run_in_background)
    call_command(
        "seed_demo",
        password=DEMO_PASSWORD,
        logins_file=str(tmp_path / "logins.txt"),
        only="responsibility,study",
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(
        viewport={"width": 1366, "height": 900}, locale="zh-CN", accept_downloads=True
    )
    page = context.new_page()
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    # A download ends its navigation request as "aborted": that is not a failure.
    page.on(
        "requestfailed",
        lambda request: (
            not request.url.split("?")[0].endswith((".docx", ".xlsx", "/download/"))
            and problems.append(f"failed: {request.url}")
        ),
    )

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("用户名").fill("chenlihua")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_selector("[data-testid=study-chart][data-chart-ready=true]", timeout=15_000)
    page.screenshot(path=SCREENSHOTS / "leader-dashboard.png", full_page=True)

    # The year filter swaps the panels in place (htmx) and keeps the choice in the address.
    page.get_by_label("年度").select_option("2023")
    page.wait_for_url("**/?year=2023*")
    page.wait_for_selector("[data-testid=kpi-study]")
    expect(page.locator("[data-testid=kpis]")).to_contain_text("2023")
    page.wait_for_selector("[data-testid=study-chart][data-chart-ready=true]")
    page.screenshot(path=SCREENSHOTS / "leader-dashboard-2023.png", full_page=True)

    # A click on March's central-group bar leads to exactly those records.
    chart = page.locator("[data-testid=study-chart]")
    point = page.evaluate(
        """() => {
            const element = document.querySelector('[data-testid=study-chart]');
            const chart = window.echarts.getInstanceByDom(element);
            const data = JSON.parse(document.getElementById('study-chart-data').textContent);
            const index = data.series.findIndex((series) => series.key === 'central_group');
            const below = data.series.slice(0, index).reduce((sum, series) => sum + series.values[2], 0);
            return chart.convertToPixel({seriesIndex: index}, [2, below + data.series[index].values[2] / 2]);
        }"""
    )
    bar_value = page.evaluate(
        """() => {
            const data = JSON.parse(document.getElementById('study-chart-data').textContent);
            return data.series.find((series) => series.key === 'central_group').values[2];
        }"""
    )
    box = chart.bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    page.wait_for_url("**/records/?figure=study*")
    assert "group=central_group" in page.url and "month=3" in page.url and "year=2023" in page.url
    # The list counts as many records as the bar showed.
    assert int(page.locator("[data-testid=records-count]").inner_text()) == bar_value
    rows = page.locator("tbody tr")
    assert rows.count() >= 1
    page.screenshot(path=SCREENSHOTS / "leader-chart-records.png", full_page=True)

    # The annual report: the figures of 2021-2023 are the seed's, counted from the records.
    page.locator("[data-nav=reports]").click()
    page.get_by_label("起始年份").fill("2021")
    page.get_by_label("截止年份").fill("2023")
    page.get_by_role("button", name="统计").click()
    expect(page.locator("[data-testid=figure-central_group_sessions]")).to_contain_text("48")
    assert page.locator("[data-testid=figure-thematic_discussions]").inner_text().startswith("25")
    assert page.locator("[data-testid=figure-focus_discussions]").inner_text().startswith("8")
    assert page.locator("[data-testid=figure-office_meetings_on_ideology]").inner_text().startswith("12")
    page.screenshot(path=SCREENSHOTS / "leader-report-figures.png", full_page=True)
    with page.expect_download() as download_info:
        page.locator("[data-testid=download-report]").click()
    download = download_info.value
    assert download.suggested_filename == "annual-report-2021-2023.docx"
    text = "\n".join(
        paragraph.text
        for paragraph in docx.Document(io.BytesIO(Path(download.path()).read_bytes())).paragraphs
    )
    assert "累计组织开展理论学习中心组学习 48 次，专题研讨交流 25 次" in text
    assert "举办为期七天的" in text

    # The same years' ledgers for the inspectors: the central group ledger lists the 48 sessions.
    page.locator("[data-testid=ledgers-link]").click()
    expect(page.locator("[data-testid=count-central_group]")).to_have_text("48")
    page.screenshot(path=SCREENSHOTS / "leader-ledgers.png", full_page=True)
    with page.expect_download() as download_info:
        page.locator("[data-ledger=central_group] a").click()
    workbook = openpyxl.load_workbook(
        io.BytesIO(Path(download_info.value.path()).read_bytes()), read_only=True
    )
    rows = list(workbook.active.iter_rows(values_only=True))
    assert rows[0][0] == "序号"
    assert len(rows) == 1 + 48

    # Every ledger at once is written in the background: the job's page shows its progress bar,
    # then (htmx polling) the link to the .zip, which holds the central group ledger.
    page.locator("[data-testid=download-all]").click()
    page.wait_for_url("**/reports/ledgers/exports/*/")
    expect(page.locator("[data-testid=job-progress] [role=progressbar]")).to_be_visible()
    expect(page.locator("[data-testid=job-status]")).to_have_text("排队中")
    release.set()
    expect(page.locator("[data-testid=job-download]")).to_be_visible(timeout=60_000)
    page.screenshot(path=SCREENSHOTS / "leader-ledgers-download.png", full_page=True)
    with page.expect_download() as download_info:
        page.locator("[data-testid=job-download]").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    assert "05-理论学习中心组学习台账.xlsx" in archive.namelist()

    assert problems == []
