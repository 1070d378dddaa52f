"""Demo data: the 省委巡视 feedback of 2021 and its rectification in every state, a 县委督查 and a
自查自纠 each year since 2021. Everything goes through the services, so the grants, the history
and the rules are those of real use; afterwards the story's dates are written onto the records
(close-out moments in the past). Deadlines of open tasks are relative to today, so "overdue" and
"due this week" hold whenever the seed runs, and one task (majun's) is due within a day, so that
its deadline reminder reaches his inbox as soon as the demo runs. Idempotent: an inspection that
exists is skipped."""

from __future__ import annotations

import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.utils import timezone

from ideology_office.accounts.models import OrgUnit, User

from . import services
from .models import ChecklistItem, ChecklistTemplate, Finding, FindingCategory, Inspection, RectificationTask
from .reminders import HOUR as REMINDER_HOUR

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
FIRST_YEAR = 2021
TOUR_TITLE = "省委第三巡视组关于云溪县委办公室意识形态工作的反馈意见"
TOUR_DATE = datetime.date(2021, 6, 18)
SUPERVISION_TITLE = "县委意识形态工作专项督查反馈（县委办公室）"
SUPERVISION_DATE = datetime.date(2023, 9, 12)
CHECKLIST_NAME = "意识形态工作自查清单"
CHECKLIST = {
    "政治方向": [
        "“第一议题”制度落实，及时传达学习习近平总书记最新重要讲话和指示批示精神",
        "意识形态工作纳入年度工作要点和室务会议程",
        "班子成员履行“一岗双责”，分管领域意识形态工作有部署有检查",
    ],
    "舆论导向": [
        "门户网站、微信公众号信息发布严格执行“三审三校”",
        "舆情监测、报告、处置及时，每季度开展舆情分析研判",
        "干部职工使用社交媒体规范，无不当言论",
    ],
    "价值取向": [
        "宣传栏、电子显示屏等实体阵地内容更新及时、导向正确",
        "重要时间节点集中宣传社会主义核心价值观",
        "机关文化建设健康向上，无错误思想言论传播渠道",
    ],
}


def _evidence(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def _moment(day: datetime.date, hour: int = 16) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def due_within_a_day(now: datetime.datetime | None = None) -> datetime.date:
    """The deadline of the demo task whose "-1d" reminder is due whenever the seed runs: the
    reminder falls due at 09:00 the day before the deadline, so tomorrow from 09:00 on (it fell
    due at 09:00 today); before 09:00, today (it fell due at 09:00 yesterday, less than the
    planner's 24-hour catch-up window, REMINDER_CATCHUP_HOURS, ago)."""
    local = timezone.localtime(now)
    days = 1 if local.hour >= REMINDER_HOUR else 0
    return local.date() + datetime.timedelta(days=days)


class _Story:
    """The people and units the story names, looked up once."""

    def __init__(self):
        people = {user.username: user for user in User.objects.select_related("section")}
        self.person = people.__getitem__
        self.units = {unit.code: unit for unit in OrgUnit.objects.all()}
        # The categories come from a data migration; a flushed test database may have lost them.
        self.category = {
            name: FindingCategory.objects.get_or_create(name=name, defaults={"sort_order": order})[0]
            for order, name in enumerate([*CHECKLIST, "其他"], start=1)
        }
        self.chief = self.person("chenlihua")
        self.inspector = self.person("denghui")
        self.verifier = self.person("xiaoning")

    def task(
        self, finding, *, measure, leader, unit, person, deadline, kind=RectificationTask.Kind.BY_DEADLINE
    ):
        return services.task_create(
            finding=finding,
            measure=measure,
            responsible_leader=self.person(leader),
            responsible_unit=self.units[unit],
            responsible_person=self.person(person),
            deadline=deadline,
            kind=kind,
            user=self.inspector,
        )

    def progress(self, task, note, *, evidence_name=None):
        services.task_progress_add(
            task=task,
            user=task.responsible_person,
            note=note,
            evidence=_evidence(evidence_name) if evidence_name else None,
        )

    def close(self, task, *, on: datetime.date, note="佐证材料齐全，整改到位，同意销号。", returned=None):
        """Carry a task through to close-out, dated ``on`` (and returned once first if asked)."""
        self.progress(task, "已按整改措施完成整改，形成制度文件。", evidence_name="整改佐证材料.pdf")
        services.task_submit(task=task, user=task.responsible_person, note="请予验收。")
        if returned:
            services.task_return(task=task, user=self.verifier, reason=returned)
            self.progress(task, "按验收意见补充完善佐证材料。", evidence_name="补充佐证材料.pdf")
            services.task_submit(task=task, user=task.responsible_person, note="已补充，请再次验收。")
        services.task_close(task=task, user=self.verifier, note=note, evidence_reviewed=True)
        RectificationTask.objects.filter(pk=task.pk).update(closed_at=_moment(on))

    def close_finding(self, finding, *, on: datetime.date):
        services.finding_close(finding=finding, user=self.inspector)
        Finding.objects.filter(pk=finding.pk).update(closed_at=_moment(on, 17))

    def close_inspection(self, inspection, *, on: datetime.date):
        services.inspection_close(inspection=inspection, user=self.chief)
        Inspection.objects.filter(pk=inspection.pk).update(closed_at=_moment(on, 18))


def _checklist(story: _Story) -> ChecklistTemplate:
    template, _ = ChecklistTemplate.objects.get_or_create(
        name=CHECKLIST_NAME,
        defaults={"description": "围绕政治方向、舆论导向、价值取向开展定期自查自纠。"},
    )
    for category_name, texts in CHECKLIST.items():
        for order, text in enumerate(texts, start=1):
            ChecklistItem.objects.get_or_create(
                template=template,
                text=text,
                defaults={"category": story.category[category_name], "sort_order": order},
            )
    return template


def _provincial_tour(story: _Story, today: datetime.date) -> None:
    tour = services.inspection_create(
        source=Inspection.Source.PROVINCIAL_TOUR,
        title=TOUR_TITLE,
        date=TOUR_DATE,
        description="反馈意识形态领域问题 5 个，办公室牵头制定整改方案，逐项明确整改措施、责任人和完成时限。",
        user=story.inspector,
    )
    new_finding = lambda category, text: services.finding_create(  # noqa: E731
        inspection=tour, category=story.category[category], description=text, user=story.inspector
    )
    first = new_finding("政治方向", "“第一议题”学习不够及时，个别最新重要讲话精神传达学习滞后。")
    second = new_finding("舆论导向", "网络阵地“三审三校”制度执行不严，存在审核记录不全的情况。")
    third = new_finding("价值取向", "宣传栏、电子显示屏等实体阵地内容更新不及时，主题宣传不够鲜明。")
    fourth = new_finding("政治方向", "意识形态工作责任制考核结果运用不充分，压力传导层层递减。")
    fifth = new_finding("舆论导向", "舆情分析研判机制不健全，研判会召开不规律。")

    # 1: closed on time, one of its tasks after a return; the finding is closed.
    task = story.task(
        first,
        measure="修订“第一议题”学习制度，明确传达学习时限",
        leader="chenlihua",
        unit="secretariat",
        person="zhouhai",
        deadline=datetime.date(2021, 8, 31),
    )
    story.close(task, on=datetime.date(2021, 8, 20), returned="缺少学习记录，请补充。")
    task = story.task(
        first,
        measure="建立“第一议题”学习台账，逐次登记学习内容",
        leader="wangjianguo",
        unit="secretariat",
        person="wuqian",
        deadline=datetime.date(2021, 9, 30),
    )
    story.close(task, on=datetime.date(2021, 9, 28))
    story.close_finding(first, on=datetime.date(2021, 10, 8))

    # 2: one closed late (overdue on record), one long-term measure; the finding is closed.
    task = story.task(
        second,
        measure="补齐信息发布审核记录，建立三审三校签批单",
        leader="liumin",
        unit="information",
        person="xufang",
        deadline=datetime.date(2021, 9, 30),
    )
    story.close(task, on=datetime.date(2021, 11, 15))
    task = story.task(
        second,
        measure="每季度抽查网络平台发布记录",
        leader="liumin",
        unit="information",
        person="majun",
        deadline=datetime.date(2021, 12, 31),
        kind=RectificationTask.Kind.ONGOING,
    )
    story.close(task, on=datetime.date(2021, 12, 20))
    story.close_finding(second, on=datetime.date(2022, 1, 10))

    # 3: overdue and still being rectified, after an approved extension; evidence on file.
    task = story.task(
        third,
        measure="制定实体阵地内容更新管理办法，明确更新周期和审核责任",
        leader="sunlijuan",
        unit="administration",
        person="songtao",
        deadline=today - datetime.timedelta(days=60),
    )
    story.progress(task, "已起草管理办法初稿，正在征求意见。", evidence_name="管理办法征求意见稿.pdf")
    extension = services.extension_request(
        task=task,
        user=task.responsible_person,
        requested_deadline=today - datetime.timedelta(days=20),
        reason="需结合机关办公楼改造统一更换宣传栏。",
    )
    services.extension_decide(
        extension=extension, user=story.person("wangjianguo"), approve=True, note="同意延期。"
    )
    # 3b: not started and overdue, with an extension request waiting for a leader.
    task = story.task(
        third,
        measure="重要时间节点前制定实体阵地宣传计划",
        leader="sunlijuan",
        unit="administration",
        person="jiangli",
        deadline=today - datetime.timedelta(days=3),
    )
    services.extension_request(
        task=task,
        user=task.responsible_person,
        requested_deadline=today + datetime.timedelta(days=25),
        reason="宣传计划需待县委宣传部年度安排下发后制定。",
    )

    # 4: awaiting acceptance (returned once), due this week.
    task = story.task(
        fourth,
        measure="将意识形态工作考核结果纳入股室年度考评",
        leader="wangjianguo",
        unit="general",
        person="heyun",
        deadline=today + datetime.timedelta(days=5),
    )
    story.progress(task, "已修订股室年度考评办法，增加意识形态工作内容。", evidence_name="股室考评办法.pdf")
    services.task_submit(task=task, user=task.responsible_person, note="请验收。")
    services.task_return(task=task, user=story.verifier, reason="考评办法未经室务会审议，请补充会议纪要。")
    story.progress(task, "已提交室务会审议通过。", evidence_name="室务会纪要.pdf")
    services.task_submit(task=task, user=task.responsible_person, note="已补充室务会纪要。")

    # 5: not started, due later; in progress, due in two days.
    story.task(
        fifth,
        measure="建立每季度舆情分析研判会制度",
        leader="zhaozhiqiang",
        unit="information",
        person="hanxiao",
        deadline=today + datetime.timedelta(days=40),
    )
    task = story.task(
        fifth,
        measure="制定重大舆情应对预案模板",
        leader="zhaozhiqiang",
        unit="information",
        person="caoyu",
        deadline=today + datetime.timedelta(days=2),
    )
    story.progress(task, "已收集兄弟单位预案样本。")
    # In progress and due tomorrow: its reminder is in majun's inbox as soon as the demo runs.
    task = story.task(
        fifth,
        measure="修订舆情信息报送流程，明确报送时限和责任人",
        leader="zhaozhiqiang",
        unit="information",
        person="majun",
        deadline=due_within_a_day(),
    )
    story.progress(task, "流程修订稿已完成，正在征求各股室意见。")

    services.mechanism_create(
        name="县委办公室“第一议题”学习制度",
        document_number="云委办发〔2021〕15号",
        adopted_on=datetime.date(2021, 8, 18),
        findings=[first],
        user=story.inspector,
        description="明确最新重要讲话精神在 7 日内作为室务会第一议题学习。",
    )
    services.mechanism_create(
        name="县委办公室网络信息发布“三审三校”管理办法",
        document_number="云委办发〔2021〕22号",
        adopted_on=datetime.date(2021, 11, 5),
        findings=[second],
        user=story.inspector,
        description="规定初审、复审、终审及三校的责任人和留痕要求。",
    )


def _county_supervision(story: _Story) -> None:
    inspection = services.inspection_create(
        source=Inspection.Source.COUNTY_SUPERVISION,
        title=SUPERVISION_TITLE,
        date=SUPERVISION_DATE,
        description="县委意识形态工作专项督查反馈问题 2 个，已全部整改销号。",
        user=story.inspector,
    )
    specs = [
        (
            "政治方向",
            "意识形态工作专题研究记录不够规范。",
            "规范室务会专题研究意识形态工作记录",
            "secretariat",
            "zhengkai",
        ),
        (
            "价值取向",
            "机关文化阵地社会主义核心价值观宣传内容偏少。",
            "更新机关文化墙核心价值观宣传内容",
            "administration",
            "yeqing",
        ),
    ]
    for category, problem, measure, unit, person in specs:
        finding = services.finding_create(
            inspection=inspection,
            category=story.category[category],
            description=problem,
            user=story.inspector,
        )
        task = story.task(
            finding,
            measure=measure,
            leader="wangjianguo",
            unit=unit,
            person=person,
            deadline=datetime.date(2023, 11, 30),
        )
        story.close(task, on=datetime.date(2023, 11, 20))
        story.close_finding(finding, on=datetime.date(2023, 11, 25))
    story.close_inspection(inspection, on=datetime.date(2023, 12, 1))


def _self_inspection(story: _Story, template: ChecklistTemplate, year: int, today: datetime.date) -> None:
    date = datetime.date(year, 6, 20)
    current = year == today.year
    if current:
        date = min(date, today - datetime.timedelta(days=10))
    inspection = services.inspection_create(
        source=Inspection.Source.SELF_INSPECTION,
        title=f"{year}年度意识形态工作自查自纠",
        date=date,
        checklist=template,
        user=story.inspector,
    )
    results = list(inspection.results.select_related("item__category"))
    # One problem a year, on a different check point each year.
    problem_at = (year - FIRST_YEAR) * 4 % len(results)
    for index, result in enumerate(results):
        if index == problem_at:
            continue
        services.checklist_result_record(result=result, outcome="passed", note="", user=story.inspector)
    result = results[problem_at]
    people = [
        ("secretariat", "fengxue"),
        ("information", "majun"),
        ("general", "luobin"),
        ("confidential", "yuanjing"),
    ]
    unit, person = people[(year - FIRST_YEAR) % len(people)]
    deadline = today + datetime.timedelta(days=6) if current else datetime.date(year, 9, 30)
    finding = services.checklist_problem_raise(
        result=result,
        description=f"自查发现：{result.item.text}方面存在薄弱环节。",
        tasks=[
            services.TaskSpec(
                measure=f"针对“{result.item.text[:20]}”逐项整改并建立台账",
                responsible_leader=story.person("wangjianguo"),
                responsible_unit=story.units[unit],
                responsible_person=story.person(person),
                deadline=deadline,
            )
        ],
        user=story.inspector,
    )
    task = finding.tasks.get()
    if current:
        story.progress(task, "正在逐项整改。")
        return
    story.close(task, on=datetime.date(year, 9, 25))
    story.close_finding(finding, on=datetime.date(year, 10, 8))
    story.close_inspection(inspection, on=datetime.date(year, 10, 15))


def seed(*, password, log) -> None:
    today = timezone.localdate()
    story = _Story()
    template = _checklist(story)
    existing = set(
        Inspection.objects.filter(
            Q(title__in=[TOUR_TITLE, SUPERVISION_TITLE]) | Q(title__endswith="意识形态工作自查自纠")
        ).values_list("title", flat=True)
    )
    created = 0
    if TOUR_TITLE not in existing:
        _provincial_tour(story, today)
        created += 1
    if SUPERVISION_TITLE not in existing:
        _county_supervision(story)
        created += 1
    for year in range(FIRST_YEAR, today.year + 1):
        if f"{year}年度意识形态工作自查自纠" not in existing:
            _self_inspection(story, template, year, today)
            created += 1
    tasks = RectificationTask.objects.active()
    log(
        f"督查整改：{Inspection.objects.active().count()} 次督查与自查（新建 {created} 次）、"
        f"{tasks.count()} 项整改措施（已销号 {tasks.filter(state=RectificationTask.State.CLOSED).count()} 项）"
    )
