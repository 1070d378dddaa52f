"""Synthetic county-sized data for ``seed_demo --scale N``: enough records to measure the
dashboard, the lists, the ledgers and the report at the size of a whole county.

``seed_demo --scale N`` first seeds the office demo, then adds :meth:`Sizes.for_scale` ``(N)``:
per unit of N, 3 sections, 100 people, 1,000 study sessions with 10,000 attendance lines,
9,000 learning-points entries, 500 rectification tasks (100 findings, 25 inspections),
2,000 content items and 200 opinion incidents. At N=100: 300 sections, 10,000 people,
2 million study and points records, 50,000 tasks, 200,000 content items.

Everything is written in bulk with :func:`~ideology_office.common.bulk.insert_rows` (COPY on
PostgreSQL) inside :func:`~ideology_office.common.audit.summarised_audit`, so each batch leaves one
summarising audit entry naming the source. The records are consistent with the models' rules and
with each other (a closed task has its close-out moment and who closed it; a finding is closed
when all its tasks are; a published item has its approved revision, its sign-offs in the hash
chain and its publication), but they are made here, not by the services: no reminders are
planned for them (the periodic planner finds what is due) and the only guardian grants made are
those the pages check (reviewers of items in review, responsible people of tasks).

Each area is one function taking its sizes, so the tests call them with tiny ones. Synthetic
sections and people carry the code prefix :data:`PREFIX`, which is how a second run knows the
data is there. Values come from a seeded random generator: the same sizes give the same data.
"""

from __future__ import annotations

import datetime
import itertools
import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connections, models, transaction
from django.utils import timezone

from ideology_office.accounts.models import OrgUnit, User
from ideology_office.accounts.roles import Role

from .audit import summarised_audit
from .bulk import insert_rows

PREFIX = "scale-"
SECTION_CODE = PREFIX + "s{:05d}"
USERNAME = PREFIX + "u{:06d}"
FIRST_YEAR = 2021
# Rows per insert_rows() call: one summarising audit entry each.
BATCH = 20_000
# Sessions (or content items) whose children are built and written together.
PARENT_BATCH = 2_000


@dataclass(frozen=True)
class Sizes:
    """How many records of each kind to add. ``attendance`` and ``points`` are totals, spread
    evenly over the sessions and the people."""

    sections: int
    people: int
    sessions: int
    attendance: int
    points: int
    tasks: int
    content_items: int
    incidents: int

    @classmethod
    def for_scale(cls, scale: int) -> Sizes:
        return cls(
            sections=3 * scale,
            people=100 * scale,
            sessions=1_000 * scale,
            attendance=10_000 * scale,
            points=9_000 * scale,
            tasks=500 * scale,
            content_items=2_000 * scale,
            incidents=200 * scale,
        )


def present() -> dict[str, int]:
    """How much synthetic data the database holds already (zeros: none)."""
    return {
        "sections": OrgUnit.objects.filter(code__startswith=PREFIX).count(),
        "people": User.objects.filter(username__startswith=PREFIX).count(),
    }


def generate(sizes: Sizes, *, source: str, log: Callable[[str], None] = lambda message: None) -> dict:
    """Add ``sizes`` of synthetic records in one transaction; returns what was created."""
    counts = {}
    with transaction.atomic(), summarised_audit(source=source):
        started = time.perf_counter()
        population = seed_people(sections=sizes.sections, people=sizes.people)
        counts.update(sections=len(population.sections), people=len(population.names))
        log(_timed(f"股室 {counts['sections']:,} 个、人员 {counts['people']:,} 人", started))
        started = time.perf_counter()
        counts.update(
            seed_study(population, sessions=sizes.sessions, attendance=sizes.attendance, points=sizes.points)
        )
        log(
            _timed(
                f"学习记录 {counts['sessions']:,} 次、出席 {counts['attendance']:,} 条、"
                f"学习积分 {counts['points']:,} 条",
                started,
            )
        )
        started = time.perf_counter()
        counts.update(seed_inspections(population, tasks=sizes.tasks))
        log(
            _timed(
                f"督查 {counts['inspections']:,} 次、问题 {counts['findings']:,} 个、"
                f"整改任务 {counts['tasks']:,} 项",
                started,
            )
        )
        started = time.perf_counter()
        counts.update(seed_positions(population, items=sizes.content_items))
        log(
            _timed(
                f"信息 {counts['content_items']:,} 条（已发布 {counts['publications']:,} 条）、"
                f"签批记录 {counts['signoffs']:,} 条",
                started,
            )
        )
        started = time.perf_counter()
        counts.update(seed_incidents(population, incidents=sizes.incidents))
        log(_timed(f"舆情事件 {counts['incidents']:,} 条", started))
        started = time.perf_counter()
    log(_timed("提交", started))
    return counts


def _timed(text: str, started: float) -> str:
    return f"  {text}（{time.perf_counter() - started:.1f} 秒）"


# Helpers ----------------------------------------------------------------------------------------


def _insert(model, fields: Sequence[str], rows: list, *, return_pks: bool = False) -> list:
    """insert_rows() in batches of BATCH rows (one audit entry each); the new keys if asked."""
    pks = []
    for start in range(0, len(rows), BATCH):
        chunk = insert_rows(model, fields, rows[start : start + BATCH], return_pks=return_pks)
        if return_pks:
            pks.extend(chunk)
    return pks


def _reserve_pks(model: type[models.Model], count: int) -> list[int]:
    """Primary keys for rows written later with their key given (rows that point at each other)."""
    connection = connections["default"]
    table, column = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
            sequence = cursor.fetchone()[0]
            cursor.execute("SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count])
            return [row[0] for row in cursor.fetchall()]
        quote = connection.ops.quote_name
        cursor.execute(f"SELECT MAX({quote(column)}) FROM {quote(table)}")  # noqa: S608 - names from the model
        first = (cursor.fetchone()[0] or 0) + 1
        return list(range(first, first + count))


def _local_zone():
    return timezone.get_current_timezone()


def _moment(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=_local_zone())


def _spread_day(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randrange((last - first).days + 1))


def _grants_rows(codename: str, model, pairs: Iterable[tuple[int, int]]) -> tuple[tuple, list]:
    """Guardian per-object grants (user, object) of one permission, as insert_rows() rows."""
    from guardian.models import UserObjectPermission

    content_type = ContentType.objects.get_for_model(model)
    permission = Permission.objects.get(content_type=content_type, codename=codename)
    fields = ("permission_id", "user_id", "content_type_id", "object_pk")
    rows = [(permission.pk, user_id, content_type.pk, str(object_id)) for user_id, object_id in pairs]
    return UserObjectPermission, fields, rows


def _grant(codename: str, model, pairs: Iterable[tuple[int, int]]) -> int:
    target, fields, rows = _grants_rows(codename, model, pairs)
    _insert(target, fields, rows)
    return len(rows)


# People -----------------------------------------------------------------------------------------

TOWNS = (
    "城关镇",
    "青石镇",
    "河口镇",
    "白沙镇",
    "龙泉镇",
    "凤凰镇",
    "桃源镇",
    "清水镇",
    "石门镇",
    "松林镇",
    "柳溪乡",
    "梅岭乡",
    "竹山乡",
    "云台乡",
    "金沙乡",
    "银杏乡",
    "东坝乡",
    "西岭乡",
    "南塘乡",
    "北湖乡",
    "县教育局",
    "县卫健局",
    "县财政局",
    "县人社局",
    "县文旅局",
    "县农业农村局",
    "县住建局",
    "县交通局",
    "县市场监管局",
    "县融媒体中心",
)
UNITS = ("党政办", "宣传股", "组织股", "综合股", "信息股", "督查股", "机要股", "行政股", "党建股", "网信股")
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN_NAMES = (
    "伟 芳 娜 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀英 霞 平 刚 桂英 建华 文 华 红 玉兰 志强 晓东 海燕 "
    "建国 丹 萍 鹏 辉 宇 浩 凯 婷 雪 琳 晨 欣 悦 佳 博 瑞 昊 睿 然 子涵 思远 一鸣 雨桐 俊杰 嘉怡 志华 春梅"
).split()
STAFF_TITLES = ("科员", "科员", "科员", "副股长", "一级主任科员", "四级主任科员")


@dataclass
class Population:
    """The synthetic sections and people, with what the other areas need to know of them."""

    sections: list[tuple[int, str]]  # (pk, name), in order
    members: dict[int, list[int]]  # section pk -> its people's pks, the head first
    leaders: list[int]
    inspectors: list[int]
    names: dict[int, tuple[str, str]] = field(default_factory=dict)  # pk -> (real name, title)


def _person_name(index: int) -> str:
    surname = SURNAMES[index % len(SURNAMES)]
    return surname + GIVEN_NAMES[(index // len(SURNAMES) + index) % len(GIVEN_NAMES)]


def _section_name(index: int) -> str:
    name = TOWNS[index // len(UNITS) % len(TOWNS)] + UNITS[index % len(UNITS)]
    cycle = index // (len(TOWNS) * len(UNITS))
    return f"{name}{cycle + 1}" if cycle else name


def seed_people(*, sections: int, people: int) -> Population:
    """``sections`` sections under the office and ``people`` people: office leaders without a
    section (one in 250, at least two), then per section a head and staff, one in fifty of them
    an inspector (at least one). Numbering continues after synthetic data already there.
    Passwords are unusable, one value made once: these accounts carry data, they do not log in."""
    leaders = max(2, people // 250)
    if people - leaders < 3 * sections:
        raise ValueError("Every section needs at least three people.")
    office = OrgUnit.objects.filter(kind=OrgUnit.Kind.OFFICE).order_by("pk").first()
    first_section = OrgUnit.objects.filter(code__startswith=PREFIX).count()
    first_person = User.objects.filter(username__startswith=PREFIX).count()
    section_rows = [
        (
            SECTION_CODE.format(first_section + offset),
            _section_name(first_section + offset),
            OrgUnit.Kind.SECTION,
            office.pk if office else None,
            100 + first_section + offset,
        )
        for offset in range(sections)
    ]
    section_pks = _insert(
        OrgUnit, ("code", "name", "kind", "parent_id", "sort_order"), section_rows, return_pks=True
    )
    section_names = [row[1] for row in section_rows]
    # (section index or None, title, role) per person; members of a section in rank order.
    specs = [(None, "副主任", Role.LEADER)] * leaders
    for position in range(people - leaders):
        slot, rank = position % sections, position // sections
        if rank == 0:
            specs.append((slot, f"{section_names[slot][-2:]}负责人", Role.SECTION_HEAD))
        elif position % 50 == 7:
            specs.append((slot, "督查专员", Role.INSPECTOR))
        else:
            specs.append((slot, STAFF_TITLES[position % len(STAFF_TITLES)], Role.STAFF))
    if not any(role == Role.INSPECTOR for _slot, _title, role in specs):
        specs[-1] = (specs[-1][0], "督查专员", Role.INSPECTOR)
    password = make_password(None)
    user_rows = []
    for offset, (slot, title, _role) in enumerate(specs):
        index = first_person + offset
        username = USERNAME.format(index)
        user_rows.append(
            (
                username,
                password,
                _person_name(index),
                None if slot is None else section_pks[slot],
                title,
                f"138{index:08d}",
                f"{username}@scale.example",
            )
        )
    user_pks = _insert(
        User,
        ("username", "password", "real_name", "section_id", "title", "phone", "email"),
        user_rows,
        return_pks=True,
    )
    groups = dict(Group.objects.filter(name__in=Role.values).values_list("name", "pk"))
    _insert(
        User.groups.through,
        ("user_id", "group_id"),
        [(pk, groups[role]) for pk, (_slot, _title, role) in zip(user_pks, specs, strict=True)],
    )
    population = Population(
        sections=list(zip(section_pks, section_names, strict=True)),
        members={pk: [] for pk in section_pks},
        leaders=user_pks[:leaders],
        inspectors=[],
        names={pk: (row[2], row[4]) for pk, row in zip(user_pks, user_rows, strict=True)},
    )
    for pk, (slot, _title, role) in zip(user_pks, specs, strict=True):
        if slot is not None:
            population.members[section_pks[slot]].append(pk)
        if role == Role.INSPECTOR:
            population.inspectors.append(pk)
    return population


# Study ------------------------------------------------------------------------------------------


def _interleaved(weights: Sequence[tuple[str, int]]) -> tuple[str, ...]:
    """Each key ``weight`` times, spread out (smooth weighted round robin): any run of the
    sequence holds the keys roughly in proportion, so even a few sessions have a mix of kinds."""
    total = sum(weight for _key, weight in weights)
    credit = dict.fromkeys((key for key, _weight in weights), 0)
    sequence = []
    for _ in range(total):
        for key, weight in weights:
            credit[key] += weight
        chosen = max(credit, key=credit.__getitem__)
        credit[chosen] -= total
        sequence.append(chosen)
    return tuple(sequence)


# Of every 56 sessions of a section: 三会一课 and 主题党日 monthly, 第一议题 eight times, the
# quarterly 支部党员大会 and 党课, two 专题研讨, a 中心组学习 and another activity.
KIND_CYCLE = _interleaved(
    (
        ("branch_committee", 12),
        ("party_group", 12),
        ("themed_party_day", 12),
        ("first_agenda", 8),
        ("branch_general", 4),
        ("party_lecture", 4),
        ("thematic_discussion", 2),
        ("central_group", 1),
        ("other", 1),
    )
)
KIND_NAMES = {
    "first_agenda": "“第一议题”学习",
    "central_group": "理论学习中心组学习",
    "thematic_discussion": "专题研讨",
    "branch_general": "支部党员大会",
    "branch_committee": "支委会",
    "party_group": "党小组会",
    "party_lecture": "党课",
    "themed_party_day": "主题党日",
    "other": "学习教育活动",
}
VENUES = ("office_meeting", "central_group", "party_branch")
STUDY_THEMES = (
    "习近平新时代中国特色社会主义思想",
    "习近平总书记关于意识形态工作的重要论述",
    "党的二十大精神",
    "习近平总书记关于网络强国的重要思想",
    "习近平法治思想",
    "铸牢中华民族共同体意识",
    "全面从严治党",
    "习近平经济思想",
    "新时代党的建设总要求",
    "社会主义核心价值观",
)
ABSENCE_REASONS = ("公务出差", "病假", "参加培训", "下乡调研", "事假")


def _session_kind(serial: int, sections: int) -> str:
    # Kinds rotate per section, so every section gets the same mix.
    return KIND_CYCLE[(serial // sections) % len(KIND_CYCLE)]


def seed_study(population: Population, *, sessions: int, attendance: int, points: int, today=None) -> dict:
    """``sessions`` sessions of the kinds above, spread over the sections and the days from
    2021 to yesterday, with ``attendance`` lines (present, some absent with a reason, a few
    observers: members of the session's section) and a tag on half the discussions; and
    ``points`` points entries of the synthetic people (see :func:`_seed_points`)."""
    from study.models import Attendance, StudySession, Tag

    today = today or timezone.localdate()
    rng = random.Random(f"study-{len(population.names)}-{sessions}")  # noqa: S311 - test data
    sections = population.sections
    first, last = datetime.date(FIRST_YEAR, 1, 1), today - datetime.timedelta(days=1)
    tags = list(Tag.objects.order_by("pk").values_list("pk", flat=True))
    base, extra = divmod(attendance, sessions) if sessions else (0, 0)
    session_fields = (
        "kind",
        "first_agenda_venue",
        "date",
        "start_time",
        "end_time",
        "place",
        "section_id",
        "host_id",
        "recorder_id",
        "topic",
        "created_at",
    )
    attendance_fields = ("session_id", "person_id", "status", "absence_reason", "created_at")
    morning, afternoon = (datetime.time(9), datetime.time(11)), (datetime.time(14, 30), datetime.time(16, 30))
    created = {"sessions": 0, "attendance": 0, "session_tags": 0}
    for batch_start in range(0, sessions, PARENT_BATCH):
        serials = range(batch_start, min(sessions, batch_start + PARENT_BATCH))
        session_rows, plans = [], []
        for serial in serials:
            section_id, section_name = sections[serial % len(sections)]
            members = population.members[section_id]
            kind = _session_kind(serial, len(sections))
            day = _spread_day(rng, first, last)
            start, end = morning if serial % 3 else afternoon
            theme = STUDY_THEMES[serial % len(STUDY_THEMES)]
            moment = _moment(day, 17)
            session_rows.append(
                (
                    kind,
                    VENUES[serial % len(VENUES)] if kind == "first_agenda" else "",
                    day,
                    start,
                    end,
                    f"{section_name}会议室",
                    section_id,
                    members[0],
                    members[1 % len(members)],
                    f"{section_name}学习{theme}（{KIND_NAMES[kind]}第{serial + 1}号）",
                    moment,
                )
            )
            wanted = min(len(members), base + (1 if serial < extra else 0))
            plans.append((members, wanted, moment, kind))
        pks = insert_rows(StudySession, session_fields, session_rows, return_pks=True)
        lines, tag_links = [], []
        for pk, (members, wanted, moment, kind) in zip(pks, plans, strict=True):
            offset = rng.randrange(len(members))
            for step in range(wanted):
                roll = rng.random()
                if roll < 0.05:
                    status, reason = "absent", ABSENCE_REASONS[step % len(ABSENCE_REASONS)]
                elif roll < 0.07:
                    status, reason = "observer", ""
                else:
                    status, reason = "present", ""
                lines.append((pk, members[(offset + step) % len(members)], status, reason, moment))
            if kind == "thematic_discussion" and tags and rng.random() < 0.5:
                tag_links.append((pk, tags[rng.randrange(len(tags))]))
        _insert(Attendance, attendance_fields, lines)
        _insert(StudySession.tags.through, ("studysession_id", "tag_id"), tag_links)
        created["sessions"] += len(pks)
        created["attendance"] += len(lines)
        created["session_tags"] += len(tag_links)
    created["points"] = _seed_points(population, points=points, today=today)
    return created


def _months_back(month: datetime.date, count: int) -> list[datetime.date]:
    months = []
    for _step in range(count):
        month = (month - datetime.timedelta(days=1)).replace(day=1)
        months.append(month)
    return months


def _seed_points(population: Population, *, points: int, today: datetime.date) -> int:
    """About ``points`` entries, the same number per person: a third (at most 30) daily entries
    on 学习强国 for the last days, the rest monthly totals on 云溪先锋 for the months before this
    one, going back as far as 2021 allows (the two platforms of the office demo)."""
    from study.models import LearningPlatform, PointsEntry

    people = list(population.names)
    per_person = points // len(people) if people else 0
    if not per_person:
        return 0
    xuexi, _ = LearningPlatform.objects.get_or_create(code="xuexi", defaults={"name": "学习强国"})
    local, _ = LearningPlatform.objects.get_or_create(code="yunxi-pioneer", defaults={"name": "云溪先锋"})
    this_month = today.replace(day=1)
    available = (this_month.year - FIRST_YEAR) * 12 + this_month.month - 1
    daily = min(30, max(1, per_person // 3)) if per_person > 1 else per_person
    monthly = min(per_person - daily, available)
    daily = per_person - monthly
    days = [today - datetime.timedelta(days=back) for back in range(1, daily + 1)]
    months = _months_back(this_month, monthly)
    fields = ("platform_id", "person_id", "period", "date", "points")
    written = 0
    rows = []
    for number, person in enumerate(people):
        # A few people fall short of the daily minimum; everyone else keeps above it.
        low = number % 10 == 3
        for day in days:
            rows.append((xuexi.pk, person, "day", day, (12 if low else 28) + (day.toordinal() + number) % 20))
        for month in months:
            rows.append(
                (local.pk, person, "month", month, (400 if low else 800) + (month.month * 37 + number) % 300)
            )
        if len(rows) >= BATCH:
            _insert(PointsEntry, fields, rows)
            written += len(rows)
            rows = []
    _insert(PointsEntry, fields, rows)
    return written + len(rows)


# Inspections ------------------------------------------------------------------------------------

SOURCES = (
    ("circuit", "县委第{n}巡察组巡察反馈"),
    ("county_supervision", "县委意识形态工作专项督查反馈（第{n}批）"),
    ("other", "县委宣传部意识形态工作检查反馈（第{n}批）"),
)
PROBLEMS = (
    "“第一议题”学习传达不够及时，个别重要讲话精神学习滞后。",
    "网络阵地信息发布审核把关不严，“三审三校”记录不全。",
    "宣传栏、电子屏内容更新不及时，主题宣传不鲜明。",
    "意识形态工作责任制落实不到位，压力传导层层递减。",
    "舆情研判不够规律，风险隐患排查不深入。",
    "理论学习中心组学习计划执行不严格，研讨发言质量不高。",
)
MEASURES = (
    "修订学习制度，明确传达学习时限并建立台账",
    "补齐审核记录，落实三审三校签批制度",
    "制定阵地内容更新计划，明确更新周期和审核责任",
    "将意识形态工作纳入年度考评，层层签订责任书",
    "建立季度舆情分析研判制度，形成研判报告",
    "开展专项检查，逐项整改并报送整改情况",
)
CLOSE_NOTES = ("佐证材料齐全，整改到位，同意销号。", "经核查已完成整改，同意销号。")


def seed_inspections(population: Population, *, tasks: int, today=None) -> dict:
    """``tasks`` tasks, five to a finding and four findings to an inspection (巡察, 督查, 检查),
    dated from 2021 to ten days ago, each inspection about one section. Tasks of inspections more
    than a year old are closed out (one in twelve still open and long overdue); newer ones are
    not started, in progress, awaiting acceptance or closed, and about a third of the open ones
    are overdue. A finding is closed when all its tasks are, an inspection when all its
    findings are. Each task has its 交办 event (and its 销号 event when closed) and the
    responsible person's grant to report progress."""
    from inspections.models import Finding, FindingCategory, Inspection, RectificationTask, TaskEvent

    if not tasks:
        return {"inspections": 0, "findings": 0, "tasks": 0}
    today = today or timezone.localdate()
    now = timezone.now()
    rng = random.Random(f"inspections-{len(population.names)}-{tasks}")  # noqa: S311 - test data
    categories = list(FindingCategory.objects.order_by("sort_order", "pk").values_list("pk", flat=True))
    if not categories:
        categories = [FindingCategory.objects.create(name="政治方向", sort_order=1).pk]
    finding_total = max(1, round(tasks / 5))
    inspection_total = max(1, round(finding_total / 4))
    first, last = datetime.date(FIRST_YEAR, 1, 1), today - datetime.timedelta(days=10)
    serial_base = Inspection.objects.count()
    inspections = []
    for number in range(inspection_total):
        source, title = SOURCES[number % len(SOURCES)]
        section_id, section_name = population.sections[number % len(population.sections)]
        day = _spread_day(rng, first, last)
        inspections.append(
            {
                "source": source,
                "title": f"{day.year}年{title.format(n=serial_base + number + 1)}：{section_name}",
                "date": day,
                "section": section_id,
                "findings": [],
            }
        )
    findings = []
    for number in range(finding_total):
        inspection = inspections[number % inspection_total]
        finding = {"inspection": inspection, "number": len(inspection["findings"]) + 1, "tasks": []}
        inspection["findings"].append(finding)
        findings.append(finding)
    task_specs = []
    for number in range(tasks):
        finding = findings[number % finding_total]
        inspection = finding["inspection"]
        members = population.members[inspection["section"]]
        spec = _task_state(rng, inspection["date"], today, now)
        spec.update(
            finding=finding,
            person=members[1 + number % (len(members) - 1)],
            leader=population.leaders[number % len(population.leaders)],
            unit=inspection["section"],
            closer=population.inspectors[number % len(population.inspectors)],
            measure=MEASURES[number % len(MEASURES)],
        )
        finding["tasks"].append(spec)
        task_specs.append(spec)
    # Closure follows the tasks: a finding when all its tasks, an inspection when all its findings.
    for finding in findings:
        closed = [task["closed_at"] for task in finding["tasks"]]
        finding["closed_at"] = (
            min(now, max(closed) + datetime.timedelta(days=3)) if closed and all(closed) else None
        )
    for inspection in inspections:
        closed = [finding["closed_at"] for finding in inspection["findings"]]
        inspection["closed_at"] = min(now, max(closed) + datetime.timedelta(days=5)) if all(closed) else None
    closer = population.inspectors[0]
    inspection_pks = _insert(
        Inspection,
        ("source", "title", "date", "description", "status", "closed_at", "closed_by_id", "created_at"),
        [
            (
                row["source"],
                row["title"],
                row["date"],
                f"反馈问题 {len(row['findings'])} 个，逐项明确整改措施、责任人和完成时限。",
                "closed" if row["closed_at"] else "open",
                row["closed_at"],
                closer if row["closed_at"] else None,
                _moment(row["date"], 18),
            )
            for row in inspections
        ],
        return_pks=True,
    )
    for row, pk in zip(inspections, inspection_pks, strict=True):
        row["pk"] = pk
    finding_pks = _insert(
        Finding,
        ("inspection_id", "number", "category_id", "description", "status", "closed_at", "closed_by_id"),
        [
            (
                row["inspection"]["pk"],
                row["number"],
                categories[index % len(categories)],
                PROBLEMS[index % len(PROBLEMS)],
                "closed" if row["closed_at"] else "open",
                row["closed_at"],
                closer if row["closed_at"] else None,
            )
            for index, row in enumerate(findings)
        ],
        return_pks=True,
    )
    for row, pk in zip(findings, finding_pks, strict=True):
        row["pk"] = pk
    task_pks = _insert(
        RectificationTask,
        (
            "finding_id",
            "measure",
            "responsible_leader_id",
            "responsible_unit_id",
            "responsible_person_id",
            "deadline",
            "original_deadline",
            "kind",
            "state",
            "progress",
            "closed_at",
            "closed_by_id",
            "close_note",
            "created_at",
            "created_by_id",
        ),
        [
            (
                spec["finding"]["pk"],
                spec["measure"],
                spec["leader"],
                spec["unit"],
                spec["person"],
                spec["deadline"],
                spec["deadline"],
                "ongoing" if number % 10 == 9 else "by_deadline",
                spec["state"],
                spec["progress"],
                spec["closed_at"],
                spec["closer"] if spec["closed_at"] else None,
                CLOSE_NOTES[number % 2] if spec["closed_at"] else "",
                spec["assigned_at"],
                spec["closer"],
            )
            for number, spec in enumerate(task_specs)
        ],
        return_pks=True,
    )
    events = []
    for pk, spec in zip(task_pks, task_specs, strict=True):
        events.append((pk, "assigned", spec["closer"], "", "", "not_started", spec["assigned_at"]))
        if spec["closed_at"]:
            events.append(
                (
                    pk,
                    "closed",
                    spec["closer"],
                    "同意销号。",
                    "awaiting_acceptance",
                    "closed",
                    spec["closed_at"],
                )
            )
    _insert(
        TaskEvent, ("task_id", "kind", "actor_id", "note", "from_state", "to_state", "created_at"), events
    )
    grants = _grant(
        "update_progress",
        RectificationTask,
        ((spec["person"], pk) for pk, spec in zip(task_pks, task_specs, strict=True)),
    )
    return {
        "inspections": len(inspection_pks),
        "findings": len(finding_pks),
        "tasks": len(task_pks),
        "task_events": len(events),
        "task_grants": grants,
    }


def _task_state(rng: random.Random, day: datetime.date, today: datetime.date, now) -> dict:
    assigned = _moment(day + datetime.timedelta(days=2), 10)
    due = day + datetime.timedelta(days=rng.randint(30, 150))
    old = (today - day).days > 365
    roll = rng.random()
    if (old and roll < 11 / 12) or (not old and roll < 0.4 and due < today):
        # Most are closed near their deadline; some a little late (overdue on record).
        closed_day = min(
            due + datetime.timedelta(days=rng.randint(-25, 12)), today - datetime.timedelta(days=1)
        )
        closed_at = min(_moment(max(closed_day, day + datetime.timedelta(days=3)), 16), now)
        return {
            "state": "closed",
            "deadline": due,
            "closed_at": closed_at,
            "progress": "已按整改措施完成整改。",
            "assigned_at": assigned,
        }
    if old:
        state = "in_progress"
    else:
        state = ("not_started", "in_progress", "in_progress", "awaiting_acceptance")[rng.randrange(4)]
    if rng.random() < 0.35 or old:
        deadline = max(day + datetime.timedelta(days=7), today - datetime.timedelta(days=rng.randint(1, 180)))
    else:
        deadline = today + datetime.timedelta(days=rng.randint(0, 120))
    progress = "" if state == "not_started" else "正在按整改措施推进，已完成部分整改内容。"
    return {
        "state": state,
        "deadline": deadline,
        "closed_at": None,
        "progress": progress,
        "assigned_at": assigned,
    }


# Positions --------------------------------------------------------------------------------------

STEPS = ("first", "second", "final", "leader")
PROOFREAD_AT = {"first": "proof1", "second": "proof2", "final": "proof3"}
STEP_NAMES = {"first": "初审", "second": "复审", "final": "终审", "leader": "主要领导审签"}
OPINIONS = {
    "first": "内容属实，文字已校对，同意报复审。",
    "second": "导向正确，表述规范，同意报终审。",
    "final": "同意发布。",
    "leader": "经审阅，同意发布。",
}
REJECTION = "部分表述不够准确，请核实后修改。"
ITEM_TOPICS = (
    "传达学习县委常委会会议精神",
    "理论学习中心组专题学习",
    "意识形态工作专题部署",
    "“三服务”工作动态",
    "第一议题学习情况",
    "网络安全宣传周活动",
    "主题党日活动纪实",
    "机关作风建设简报",
    "乡村振兴工作进展",
    "文明创建工作动态",
)
# (status, share, how many review steps were signed: None = all)
ITEM_STATES = (
    ("published", 0.73, None),
    ("in_review", 0.10, "some"),
    ("draft", 0.09, 0),
    ("rejected", 0.04, "some"),
    ("approved", 0.04, None),
)


@dataclass
class _Chain:
    """The tail of the sign-off chain, extended row by row as the services would."""

    sequence: int
    last_hash: str
    key: bytes = b""

    def append(self, row: list, platform_id: int, title: str) -> None:
        """``row`` without sequence and hashes: item, revision, sha, round, step, decision, opinion,
        signer, name, title, signed_at (UTC); ``platform_id`` and ``title`` of the item and its
        revision, which the keyed hash also binds (positions.chain). Adds them in place."""
        from positions.chain import link_hash

        self.sequence += 1
        values = (self.sequence, row[0], platform_id, row[1], title, *row[2:11])
        chain_hash = link_hash(self.last_hash, values, self.key)
        row[0:0] = [self.sequence]
        row.extend((self.last_hash, chain_hash))
        self.last_hash = chain_hash


def seed_positions(population: Population, *, items: int, now=None) -> dict:
    """``items`` content items on online platforms of the sections (one per 10,000 items, at
    least two, websites and WeChat accounts in turn), each with its first revision: 73 %
    published (with the sign-offs of every step in the hash chain and the publication), 4 %
    approved, 10 % in review at some step (the earlier steps signed, reviewers assigned and
    granted, waiting since the last signature), 4 % returned at some step, 9 % drafts.
    Published items are spread from 2021 to a week ago, the others are of the last two months."""
    from positions.models import (
        ContentItem,
        ContentRevision,
        Platform,
        PlatformReviewer,
        Publication,
        ReviewAssignment,
        SignOff,
        SignOffChainHead,
        content_digest,
    )

    if not items:
        return {"platforms": 0, "content_items": 0, "publications": 0, "signoffs": 0}
    now = now or timezone.now()
    rng = random.Random(f"positions-{len(population.names)}-{items}")  # noqa: S311 - test data
    platforms = _platforms(population, max(2, items // 10_000), Platform, PlatformReviewer)
    # Dates first: written in order of creation, the chain runs forward in time.
    start = datetime.datetime(FIRST_YEAR, 1, 1, 9, tzinfo=datetime.UTC)
    history = (now - datetime.timedelta(days=8) - start).total_seconds()
    recent_start = now - datetime.timedelta(days=60)
    recent = (now - datetime.timedelta(days=8) - recent_start).total_seconds()
    specs = []
    thresholds = list(itertools.accumulate(share for _status, share, _signed in ITEM_STATES))
    for number in range(items):
        roll = rng.random()
        status = next(
            (state for state, limit in zip(ITEM_STATES, thresholds, strict=True) if roll < limit),
            ITEM_STATES[0],
        )
        if status[0] == "published":
            created = start + datetime.timedelta(seconds=rng.uniform(0, history))
        else:
            created = recent_start + datetime.timedelta(seconds=rng.uniform(0, recent))
        specs.append((created.replace(microsecond=0), status, number))
    specs.sort(key=lambda spec: spec[0])
    head, _created = SignOffChainHead.objects.select_for_update().get_or_create(pk=1)
    from ideology_office.common.anchors import chain_key
    from positions.chain import publication_seal

    chain = _Chain(sequence=head.last_sequence, last_hash=head.last_hash, key=chain_key())
    bound: dict[int, tuple[int, str]] = {}
    item_type = ContentType.objects.get_for_model(ContentItem)
    step_permissions = {
        step: Permission.objects.get(content_type=item_type, codename=f"sign_{step}").pk for step in STEPS
    }
    from guardian.models import UserObjectPermission

    counts = {
        "platforms": len(platforms),
        "content_items": 0,
        "publications": 0,
        "signoffs": 0,
        "assignments": 0,
    }
    item_fields = (
        "platform_id",
        "title",
        "author_id",
        "sensitivity",
        "status",
        "current_step",
        "review_round",
        "current_revision_id",
        "approved_revision_id",
        "step_entered_at",
        "final_approved_at",
        "created_at",
        "created_by_id",
    )
    for batch_start in range(0, len(specs), PARENT_BATCH):
        batch = specs[batch_start : batch_start + PARENT_BATCH]
        revision_pks = _reserve_pks(ContentRevision, len(batch))
        item_rows, plans = [], []
        for (created, (status, _share, signed), number), revision_pk in zip(batch, revision_pks, strict=True):
            platform = platforms[number % len(platforms)]
            author = platform["authors"][number % len(platform["authors"])]
            sensitivity = "high" if number % 10 == 0 else ("sensitive" if number % 4 == 1 else "normal")
            steps = list(STEPS if sensitivity == "high" else STEPS[:3])
            if signed is None:
                signed_steps = len(steps)
            elif signed == "some":
                signed_steps = rng.randrange(len(steps))
            else:
                signed_steps = 0
            local = created.astimezone(_local_zone())
            title = f"{platform['section']}{local.year}年{local.month}月{ITEM_TOPICS[number % len(ITEM_TOPICS)]}（{number + 1}）"
            moments = [created + datetime.timedelta(hours=1)]
            for _step in range(signed_steps + (status == "rejected")):
                moments.append(moments[-1] + datetime.timedelta(hours=rng.randint(2, 30)))
            submitted = status != "draft"
            complete = status in ("published", "approved")
            item_rows.append(
                (
                    platform["pk"],
                    title,
                    author,
                    sensitivity,
                    status,
                    steps[signed_steps] if status == "in_review" else "",
                    1 if submitted else 0,
                    revision_pk,
                    revision_pk if complete else None,
                    moments[-1] if status == "in_review" else None,
                    moments[-1] if complete else None,
                    created,
                    author,
                )
            )
            plans.append((platform, author, steps, signed_steps, moments, status, title, created))
        item_pks = insert_rows(ContentItem, item_fields, item_rows, return_pks=True)
        revision_rows, signoffs, publications, assignments, grants = [], [], [], [], []
        for item_pk, revision_pk, (
            platform,
            author,
            steps,
            signed_steps,
            moments,
            status,
            title,
            created,
        ) in zip(item_pks, revision_pks, plans, strict=True):
            body = (
                f"{title}。\n会议强调，要坚持以习近平新时代中国特色社会主义思想为指导，牢牢掌握意识形态工作领导权。\n"
                "全体干部职工要守土有责、守土负责、守土尽责，确保各类阵地可管可控。"
            )
            sha = content_digest(title, body)
            revision_rows.append((revision_pk, item_pk, 1, title, body, sha, created, author))
            bound[item_pk] = (platform["pk"], title)
            if status == "draft":
                continue
            for index in range(signed_steps):
                step = steps[index]
                signer = platform["reviewers"][step]
                name, post = population.names[signer]
                at = moments[index + 1]
                if step in PROOFREAD_AT:
                    signoffs.append(
                        [
                            item_pk,
                            revision_pk,
                            sha,
                            1,
                            PROOFREAD_AT[step],
                            "approve",
                            f"随{STEP_NAMES[step]}完成校对。",
                            signer,
                            name,
                            post,
                            at,
                        ]
                    )
                signoffs.append(
                    [item_pk, revision_pk, sha, 1, step, "approve", OPINIONS[step], signer, name, post, at]
                )
            if status == "rejected":
                step = steps[signed_steps]
                signer = platform["reviewers"][step]
                name, post = population.names[signer]
                signoffs.append(
                    [item_pk, revision_pk, sha, 1, step, "reject", REJECTION, signer, name, post, moments[-1]]
                )
            elif status == "in_review":
                for step in steps:
                    reviewer = platform["reviewers"][step]
                    assignments.append((item_pk, step, reviewer, True, moments[0], author))
                    grants.append((step_permissions[step], reviewer, item_type.pk, str(item_pk)))
            elif status == "published":
                published_at = min(moments[-1] + datetime.timedelta(hours=rng.randint(1, 20)), now)
                website = platform["kind"] == "website"
                url = f"https://www.yunxi.example/site{platform['pk']}/{item_pk}.html" if website else ""
                post_id = "" if website else f"wx{item_pk:08d}"
                seal = publication_seal(
                    (
                        item_pk,
                        platform["pk"],
                        revision_pk,
                        title,
                        sha,
                        platform["responsible"],
                        url,
                        post_id,
                        published_at,
                    ),
                    chain.key,
                )
                publications.append(
                    (
                        item_pk,
                        revision_pk,
                        published_at,
                        platform["responsible"],
                        url,
                        post_id,
                        published_at,
                        platform["responsible"],
                        sha,
                        seal,
                    )
                )
        _insert(
            ContentRevision,
            ("id", "item_id", "number", "title", "body", "sha256", "created_at", "created_by_id"),
            revision_rows,
        )
        for row in signoffs:
            chain.append(row, *bound[row[0]])
            row.append(row[8])  # created_by: the signer
        _insert(
            SignOff,
            (
                "sequence",
                "item_id",
                "revision_id",
                "content_sha256",
                "review_round",
                "step",
                "decision",
                "opinion",
                "signer_id",
                "signer_name",
                "signer_title",
                "signed_at",
                "previous_hash",
                "chain_hash",
                "created_by_id",
            ),
            signoffs,
        )
        _insert(
            Publication,
            (
                "item_id",
                "revision_id",
                "published_at",
                "published_by_id",
                "url",
                "post_id",
                "created_at",
                "created_by_id",
                "content_sha256",
                "seal",
            ),
            publications,
        )
        _insert(
            ReviewAssignment,
            ("item_id", "step", "reviewer_id", "is_active", "created_at", "created_by_id"),
            assignments,
        )
        _insert(UserObjectPermission, ("permission_id", "user_id", "content_type_id", "object_pk"), grants)
        counts["content_items"] += len(item_pks)
        counts["publications"] += len(publications)
        counts["signoffs"] += len(signoffs)
        counts["assignments"] += len(assignments)
    SignOffChainHead.objects.filter(pk=head.pk).update(
        last_sequence=chain.sequence, last_hash=chain.last_hash
    )
    return counts


def _platforms(population: Population, count: int, Platform, PlatformReviewer) -> list[dict]:
    """A website or a WeChat account of each of the first ``count`` sections (in turn, if more
    platforms than sections), with default reviewers: a member of the section for 初审, its head
    (who also publishes) for 复审, two leaders for 终审 and 主要领导审签; the section's other
    people write."""
    platforms = []
    for number in range(count):
        section_id, section_name = population.sections[number % len(population.sections)]
        members = population.members[section_id]
        website = number % 2 == 0
        leaders = population.leaders
        reviewers = {
            "first": members[1],
            "second": members[0],
            "final": leaders[number % len(leaders)],
            "leader": leaders[(number + 1) % len(leaders)],
        }
        suffix = f"{number // len(population.sections) + 1}" if number >= len(population.sections) else ""
        platform = Platform.objects.create(
            name=f"{section_name}{'门户网站' if website else '微信公众号'}{suffix}",
            kind=Platform.Kind.WEBSITE if website else Platform.Kind.WECHAT,
            responsible_person_id=members[0],
            location=f"{section_name}{'网站' if website else '公众号'}",
        )
        for step, reviewer in reviewers.items():
            PlatformReviewer.objects.create(platform=platform, step=step, reviewer_id=reviewer)
        platforms.append(
            {
                "pk": platform.pk,
                "kind": platform.kind,
                "section": section_name,
                "responsible": members[0],
                "reviewers": reviewers,
                "authors": members[2:],
            }
        )
    return platforms


# Sentiment --------------------------------------------------------------------------------------

INCIDENT_TOPICS = (
    ("economy", "网传企业拖欠工程款引发讨薪帖文"),
    ("economy", "自媒体炒作招商项目“烂尾”"),
    ("stability", "短视频平台出现涉征地拆迁不实视频"),
    ("stability", "论坛出现涉警情的片面信息"),
    ("livelihood", "网民反映城区供水中断投诉集中"),
    ("livelihood", "网帖反映医保报销流程不畅"),
    ("other", "网传极端天气谣言"),
    ("other", "公众号误用不规范地图"),
)
INCIDENT_SOURCES = ("online", "cac_notice", "public_report", "other")


def seed_incidents(population: Population, *, incidents: int, now=None) -> dict:
    """``incidents`` opinion incidents found from 2021 to two hours ago, with the limits of their
    severity copied as the service does; one in six reported or handled late, those of the
    last day still being handled."""
    from sentiment.models import OpinionIncident, SeverityTimeLimit
    from sentiment.services import DEFAULT_LIMITS

    if not incidents:
        return {"incidents": 0}
    now = now or timezone.now()
    rng = random.Random(f"incidents-{len(population.names)}-{incidents}")  # noqa: S311 - test data
    limits = {
        **DEFAULT_LIMITS,
        **{
            row[0]: (row[1], row[2])
            for row in SeverityTimeLimit.objects.values_list(
                "severity", "report_within_minutes", "handle_within_minutes"
            )
        },
    }
    handlers = population.inspectors + [members[0] for members in population.members.values()]
    start = datetime.datetime(FIRST_YEAR, 1, 1, tzinfo=datetime.UTC)
    span = (now - datetime.timedelta(hours=2) - start).total_seconds()
    rows = []
    for number in range(incidents):
        found = (start + datetime.timedelta(seconds=rng.uniform(0, span))).replace(microsecond=0)
        severity = rng.choices(("major", "serious", "general"), weights=(1, 3, 6))[0]
        report_limit, handle_limit = limits[severity]
        field_name, topic = INCIDENT_TOPICS[number % len(INCIDENT_TOPICS)]
        late = rng.random() < 1 / 6
        report_after = (
            rng.randint(report_limit + 5, report_limit * 3) if late else rng.randint(3, report_limit)
        )
        handle_after = max(
            report_after + 10,
            rng.randint(handle_limit + 10, handle_limit * 2)
            if late
            else rng.randint(report_after, handle_limit),
        )
        reported = found + datetime.timedelta(minutes=report_after)
        handled = found + datetime.timedelta(minutes=handle_after)
        reported = reported if reported <= now else None
        handled = handled if handled <= now and now - found > datetime.timedelta(days=1) else None
        status = "handled" if handled else ("reported" if reported else "found")
        handler = handlers[number % len(handlers)]
        rows.append(
            (
                found,
                INCIDENT_SOURCES[number % len(INCIDENT_SOURCES)],
                field_name,
                f"{topic}（{population.sections[number % len(population.sections)][1]}，{number + 1}号）",
                severity,
                f"https://example.invalid/post/{number + 1}",
                reported,
                "县委网信办" if reported else "",
                handled,
                handler if handled else None,
                "联系发帖人核实情况，会同主管部门发布权威信息，持续跟踪舆情走势。" if handled else "",
                "舆情平息，未发生次生舆情。" if handled else "",
                status,
                report_limit,
                handle_limit,
                found,
                handler,
            )
        )
    _insert(
        OpinionIncident,
        (
            "found_at",
            "source",
            "field",
            "summary",
            "severity",
            "links",
            "reported_at",
            "reported_to",
            "handled_at",
            "handled_by_id",
            "measures",
            "result",
            "status",
            "report_limit_minutes",
            "handle_limit_minutes",
            "created_at",
            "created_by_id",
        ),
        rows,
    )
    return {"incidents": len(rows)}
