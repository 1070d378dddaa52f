"""The pages people use away from their desks, at desktop width (1366) and on a phone (390 × 844,
touch, zh-CN): the leader's dashboard; the inbox and a reminder leading to a task, whose progress
is recorded with a photo from the camera; the duty log and the handover at night; the sign-off.

On every page nothing sticks out sideways (the page is never wider than the window: tables scroll
in their own box or read as cards), and the conftest guard fails the test on any console error or
CSP violation. Each page is saved under var/screenshots/ for review."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from ideology_office.accounts.roles import Role
from ideology_office.common.models import Attachment
from inspections import services as inspection_services
from inspections.demo import due_within_a_day
from inspections.models import FindingCategory, Inspection
from positions.models import SignOff
from sentiment.models import DutyLogEntry, DutyShift, Handover

from ..factories import TEST_PASSWORD, OrgUnitFactory, UserFactory
from ..positions.factories import Desk
from ..sentiment.factories import published_roster
from .conftest import horizontal_overflow, login, overflowing_elements, save_screenshot

WIDTHS = [pytest.param(False, id="desktop-1366"), pytest.param(True, id="phone-390")]
# The smallest valid PNG: what a camera hands the page is an image file like any other.
PHOTO_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cfc0f01f0005000201a0bd8b4f0000000049454e44ae426082"
)


def check(page, name: str) -> None:
    """The page fits the window's width, and is saved for review."""
    save_screenshot(page, name)
    overflow = horizontal_overflow(page)
    assert overflow <= 0, f"{name} is {overflow}px wider than the window: {overflowing_elements(page)}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("phone", WIDTHS)
def test_the_leader_reads_the_dashboard(browser, live_server, phone):
    UserFactory(username="leader-p", real_name="陈立华", title="主任", roles=[Role.LEADER])
    page = login(browser, live_server, "leader-p", TEST_PASSWORD, phone=phone)
    page.wait_for_selector("[data-testid=dashboard-title]")
    page.wait_for_selector("[data-chart][data-chart-ready=true]", timeout=15_000)
    check(page, "phone-dashboard")
    toggler = page.get_by_role("button", name="展开导航")
    if phone:
        # The navigation folds behind the toggler, which a thumb can reach.
        assert not page.locator("[data-nav=study]").is_visible()
        box = toggler.bounding_box()
        assert box["width"] >= 40 and box["height"] >= 32
        toggler.tap()
        page.locator("[data-nav=study]").wait_for(state="visible")
        check(page, "phone-dashboard-menu")
    else:
        assert not toggler.is_visible()
        assert page.locator("[data-nav=study]").is_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("phone", WIDTHS)
def test_a_reminder_leads_to_the_task_whose_progress_gets_a_photo_from_the_camera(
    browser, live_server, tmp_path, phone
):
    section = OrgUnitFactory(name="信息股")
    inspector = UserFactory(username="inspector-p", real_name="肖宁", roles=[Role.INSPECTOR])
    leader = UserFactory(username="leader-p", real_name="刘敏", roles=[Role.LEADER])
    person = UserFactory(username="staff-p", real_name="马骏", roles=[Role.STAFF], section=section)
    inspection = inspection_services.inspection_create(
        source=Inspection.Source.PROVINCIAL_TOUR,
        title="省委巡视反馈意见",
        date=datetime.date(2024, 3, 1),
        user=inspector,
    )
    finding = inspection_services.finding_create(
        inspection=inspection,
        category=FindingCategory.objects.get_or_create(name="舆论导向")[0],
        description="宣传栏内容长期未更新，部分展板破损",
        user=inspector,
    )
    task = inspection_services.task_create(
        finding=finding,
        measure="更换破损展板并建立宣传栏月度更新制度",
        responsible_leader=leader,
        responsible_unit=section,
        responsible_person=person,
        # Due within a day, so that its "-1d" reminder is due whatever the time of the run (from
        # 00:00 to 09:00 a deadline of tomorrow has none due yet).
        deadline=due_within_a_day(),
        user=inspector,
    )
    call_command("run_reminders", "--once", stdout=StringIO())

    page = login(browser, live_server, "staff-p", TEST_PASSWORD, phone=phone)
    check(page, "phone-staff-dashboard")
    # The bell stays in sight beside the folded navigation on a phone.
    page.locator("#inbox-link").click()
    page.wait_for_url("**/inbox/")
    message = page.locator("[data-testid=inbox-message]").filter(has_text=task.measure[:6]).first
    message.wait_for()
    check(page, "phone-inbox")

    message.locator("button, a").first.click()
    page.wait_for_url(f"**{task.get_absolute_url()}")
    form = page.locator("[data-testid=progress-form]")
    camera = form.locator("input[type=file][capture=environment]")
    # The camera input is offered where there is a camera to hold; the file input always.
    assert camera.get_attribute("accept") == "image/*"
    assert camera.is_visible() == phone
    assert form.locator("input[name=evidence]").is_visible()
    check(page, "phone-task")

    form.get_by_label("进展情况").fill("已更换破损展板，附现场照片")
    photo = tmp_path / "IMG_20250301_0930.png"
    photo.write_bytes(PHOTO_PNG)
    (camera if phone else form.locator("input[name=evidence]")).set_input_files(str(photo))
    form.get_by_role("button", name="提交进展").click()
    page.wait_for_selector("text=已记录整改进展")
    assert page.get_by_role("link", name="IMG_20250301_0930.png").is_visible()
    check(page, "phone-task-progress")
    assert Attachment.objects.get().original_name == "IMG_20250301_0930.png"


def _rosters_covering_now(leader, officers):
    """This month's roster and the next, so the shift under way now has a following shift."""
    today = timezone.localdate()
    month = today.replace(day=1)
    next_month = (month + datetime.timedelta(days=32)).replace(day=1)
    for start in (month, next_month):
        published_roster(month=start, leader=leader, officers=officers, leaders=[leader])
    now = timezone.now()
    shift = DutyShift.objects.get(start__lte=now, end__gt=now)
    return shift, DutyShift.objects.get(start=shift.end)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("phone", WIDTHS)
def test_the_duty_officer_logs_and_hands_over_and_the_next_accepts(browser, live_server, phone):
    leader = UserFactory(username="leader-d", real_name="陈主任", roles=[Role.LEADER])
    officers = [
        UserFactory(
            username=f"duty{index}",
            real_name=f"值班员{index}",
            phone=f"1380000000{index}",
            roles=[Role.STAFF],
        )
        for index in range(3)
    ]
    shift, following = _rosters_covering_now(leader, officers)

    page = login(browser, live_server, shift.officer.username, TEST_PASSWORD, phone=phone)
    # The month's calendar: day cells wide enough to read a time and a name on one line each; on a
    # phone the calendar scrolls sideways in its own box.
    page.goto(f"{live_server.url}{shift.roster.get_absolute_url()}")
    assert page.locator(".roster-calendar td").first.bounding_box()["width"] >= 90
    check(page, "phone-roster")
    page.goto(f"{live_server.url}{shift.get_absolute_url()}")
    check(page, "phone-shift")
    page.locator("[data-testid=duty-log]").get_by_role("link", name="增加").click()
    page.get_by_label("内容").fill("22:40 巡查本地论坛，发现一条关于供水的帖子，已截图留存，持续关注。")
    page.get_by_role("button", name="保存").click()
    page.wait_for_selector("text=值班日志已添加")
    assert DutyLogEntry.objects.filter(shift=shift).count() == 1
    page.get_by_role("link", name="填写交班事项").click()
    page.get_by_label("待办事项").fill("供水舆情持续关注，早八点前回看评论区。")
    check(page, "phone-handover-form")
    page.get_by_role("button", name="保存").click()
    page.wait_for_selector("[data-testid=duty-log]")
    check(page, "phone-shift-handed-over")
    handover = Handover.objects.get(shift=shift)

    page = login(browser, live_server, following.officer.username, TEST_PASSWORD, phone=phone)
    page.goto(f"{live_server.url}{following.get_absolute_url()}")
    page.get_by_role("button", name="确认接班").click()
    page.wait_for_selector("text=您已确认接班")
    check(page, "phone-handover-accepted")
    handover.refresh_from_db()
    assert handover.accepted_by == following.officer


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("phone", WIDTHS)
def test_a_reviewer_signs_off_from_the_phone(browser, live_server, phone):
    desk = Desk()
    item = desk.submitted(title="县委办公室召开意识形态工作专题会议")
    page = login(browser, live_server, desk.first.username, TEST_PASSWORD, phone=phone)
    page.goto(f"{live_server.url}/positions/items/queue/")
    check(page, "phone-review-queue")
    page.locator("[data-testid=queue]").get_by_role("link", name=item.title).click()
    form = page.locator("[data-testid=sign-form]")
    form.locator("select[name=decision]").select_option(label="同意")
    form.locator("textarea[name=opinion]").fill("内容属实，已校对。")
    button = form.get_by_role("button", name="签署")
    box = button.bounding_box()
    # A button a thumb can hit, inside the window.
    assert box["height"] >= 36 and box["x"] + box["width"] <= page.viewport_size["width"]
    # The sign form comes before the evidence files: the reviewer does not scroll past them to sign.
    evidence = page.locator("#attachments-heading").bounding_box()
    assert form.bounding_box()["y"] < evidence["y"]
    check(page, "phone-sign-form")
    button.click()
    page.wait_for_selector(".alert")
    check(page, "phone-signed")
    assert SignOff.objects.filter(item=item, signer=desk.first).exists()
