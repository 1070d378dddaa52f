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

People and sections are made here; each work area's records by its own ``<app>/scale.py``, which
its contract declares (:class:`ScaleGenerator`), one function taking its sizes, so the tests call
them with tiny ones. Synthetic
sections and people carry the code prefix :data:`PREFIX`, which is how a second run knows the
data is there. Values come from a seeded random generator: the same sizes give the same data.
"""

from __future__ import annotations

import datetime
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


@dataclass(frozen=True)
class ScaleGenerator:
    """A work area's part of ``seed_demo --scale N`` (its contract's ``scale``):
    ``generate(population, sizes)`` writes its synthetic records for the people and sections
    made here and returns {what: how many}; ``summary(counts)`` is its line of the log."""

    generate: Callable[[Population, Sizes], dict]
    summary: Callable[[dict], str]


def generate(sizes: Sizes, *, source: str, log: Callable[[str], None] = lambda message: None) -> dict:
    """Add ``sizes`` of synthetic records in one transaction; returns what was created. People and
    sections first (here), then each work area's records, as its contract declares them."""
    from .contracts import contracts

    counts = {}
    with transaction.atomic(), summarised_audit(source=source):
        started = time.perf_counter()
        population = seed_people(sections=sizes.sections, people=sizes.people)
        counts.update(sections=len(population.sections), people=len(population.names))
        log(_timed(f"股室 {counts['sections']:,} 个、人员 {counts['people']:,} 人", started))
        for contract in contracts():
            if contract.scale is None:
                continue
            started = time.perf_counter()
            made = contract.scale.generate(population, sizes)
            counts.update(made)
            log(_timed(contract.scale.summary(made), started))
        started = time.perf_counter()
    log(_timed("提交", started))
    return counts


def _timed(text: str, started: float) -> str:
    return f"  {text}（{time.perf_counter() - started:.1f} 秒）"


# Helpers ----------------------------------------------------------------------------------------


def insert(model, fields: Sequence[str], rows: list, *, return_pks: bool = False) -> list:
    """insert_rows() in batches of BATCH rows (one audit entry each); the new keys if asked."""
    pks = []
    for start in range(0, len(rows), BATCH):
        chunk = insert_rows(model, fields, rows[start : start + BATCH], return_pks=return_pks)
        if return_pks:
            pks.extend(chunk)
    return pks


def reserve_pks(model: type[models.Model], count: int) -> list[int]:
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


def local_zone():
    return timezone.get_current_timezone()


def local_moment(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=local_zone())


def spread_day(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randrange((last - first).days + 1))


def grants_rows(codename: str, model, pairs: Iterable[tuple[int, int]]) -> tuple[tuple, list]:
    """Guardian per-object grants (user, object) of one permission, as insert_rows() rows."""
    from guardian.models import UserObjectPermission

    content_type = ContentType.objects.get_for_model(model)
    permission = Permission.objects.get(content_type=content_type, codename=codename)
    fields = ("permission_id", "user_id", "content_type_id", "object_pk")
    rows = [(permission.pk, user_id, content_type.pk, str(object_id)) for user_id, object_id in pairs]
    return UserObjectPermission, fields, rows


def grant(codename: str, model, pairs: Iterable[tuple[int, int]]) -> int:
    target, fields, rows = grants_rows(codename, model, pairs)
    insert(target, fields, rows)
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
    section_pks = insert(
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
    user_pks = insert(
        User,
        ("username", "password", "real_name", "section_id", "title", "phone", "email"),
        user_rows,
        return_pks=True,
    )
    groups = dict(Group.objects.filter(name__in=Role.values).values_list("name", "pk"))
    insert(
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
