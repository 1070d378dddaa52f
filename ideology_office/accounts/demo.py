"""Demo data: the fictional 云溪县委办公室, its sections, the county units it assesses, and 30 people."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.models import Group

from .models import OrgUnit, User
from .roles import ADMINISTRATOR_ROLES, Role

OFFICE = ("yunxi-office", "云溪县委办公室", "县委办")
SECTIONS = [
    ("secretariat", "秘书股"),
    ("general", "综合股"),
    ("information", "信息股"),
    ("supervision", "督查股"),
    ("confidential", "机要股"),
    ("administration", "行政股"),
]
COUNTY_UNITS = [
    ("propaganda-dept", "中共云溪县委宣传部"),
    ("education-bureau", "云溪县教育局党组"),
    ("health-bureau", "云溪县卫生健康局党组"),
    ("qingshi-town", "中共青石镇委员会"),
    ("hekou-town", "中共河口镇委员会"),
]

# (username, real name, section code or None for the office itself, title, roles)
PEOPLE = [
    ("chenlihua", "陈立华", None, "主任", [Role.LEADER]),
    ("wangjianguo", "王建国", None, "常务副主任", [Role.LEADER]),
    ("liumin", "刘敏", None, "副主任", [Role.LEADER]),
    ("zhaozhiqiang", "赵志强", None, "副主任", [Role.LEADER]),
    ("sunlijuan", "孙丽娟", None, "副主任", [Role.LEADER]),
    ("zhouhai", "周海", "secretariat", "秘书股股长", [Role.SECTION_HEAD]),
    ("wuqian", "吴倩", "secretariat", "科员", [Role.STAFF]),
    ("zhengkai", "郑凯", "secretariat", "科员", [Role.STAFF]),
    ("fengxue", "冯雪", "secretariat", "科员", [Role.STAFF]),
    ("heyun", "何芸", "general", "综合股股长", [Role.SECTION_HEAD]),
    ("luobin", "罗斌", "general", "科员", [Role.STAFF]),
    ("tangli", "唐丽", "general", "科员", [Role.STAFF]),
    ("xufang", "徐芳", "information", "信息股股长", [Role.SECTION_HEAD]),
    ("majun", "马骏", "information", "科员", [Role.STAFF]),
    ("hanxiao", "韩笑", "information", "科员", [Role.STAFF]),
    ("caoyu", "曹宇", "information", "科员", [Role.STAFF]),
    ("denghui", "邓辉", "supervision", "督查股股长", [Role.SECTION_HEAD, Role.INSPECTOR]),
    ("xiaoning", "肖宁", "supervision", "督查专员", [Role.INSPECTOR]),
    ("tianye", "田野", "supervision", "督查专员", [Role.INSPECTOR]),
    ("dongmei", "董梅", "supervision", "科员", [Role.STAFF]),
    ("pangwei", "庞伟", "confidential", "机要股股长", [Role.SECTION_HEAD]),
    ("yuanjing", "袁静", "confidential", "科员", [Role.STAFF]),
    ("liangchen", "梁晨", "confidential", "科员", [Role.STAFF]),
    ("songtao", "宋涛", "administration", "行政股股长", [Role.SECTION_HEAD]),
    ("jiangli", "蒋丽", "administration", "科员", [Role.STAFF]),
    ("yeqing", "叶青", "administration", "科员", [Role.STAFF]),
    ("duxin", "杜鑫", "administration", "驾驶员", [Role.STAFF]),
    ("lufeng", "陆峰", "information", "信息化专员", [Role.ADMIN, Role.STAFF]),
    ("qinyue", "秦悦", "general", "科员", [Role.STAFF]),
    ("guoxiang", "郭翔", "secretariat", "科员", [Role.STAFF]),
]

# 三员分立: the three administrators, kept out of PEOPLE (they study and record nothing).
ADMINISTRATORS = [
    ("sysadmin", "系统管理员", None, "系统管理员", [Role.SYSTEM_ADMIN]),
    ("secadmin", "安全管理员", None, "安全管理员", [Role.SECURITY_ADMIN]),
    ("auditadmin", "审计管理员", None, "审计管理员", [Role.AUDIT_ADMIN]),
]


def seed(*, password: str | None, log) -> list[tuple[str, str, str, str]]:
    """Create what is missing and touch nothing that exists. Returns the logins created
    (user name, password, real name, roles)."""
    office, _ = OrgUnit.objects.get_or_create(
        code=OFFICE[0], defaults={"name": OFFICE[1], "short_name": OFFICE[2], "kind": OrgUnit.Kind.OFFICE}
    )
    units = {None: office}
    for order, (code, name) in enumerate(SECTIONS, start=1):
        units[code], _ = OrgUnit.objects.get_or_create(
            code=code,
            defaults={"name": name, "kind": OrgUnit.Kind.SECTION, "parent": office, "sort_order": order},
        )
    for order, (code, name) in enumerate(COUNTY_UNITS, start=1):
        OrgUnit.objects.get_or_create(
            code=code, defaults={"name": name, "kind": OrgUnit.Kind.COUNTY_UNIT, "sort_order": order}
        )

    groups = {group.name: group for group in Group.objects.filter(name__in=Role.values)}
    everyone = PEOPLE + ADMINISTRATORS
    existing = set(
        User.objects.filter(username__in=[row[0] for row in everyone]).values_list("username", flat=True)
    )
    created = []
    for number, (username, real_name, section_code, title, roles) in enumerate(everyone, start=1):
        if username in existing:
            continue
        user = User(
            username=username,
            real_name=real_name,
            section=units[section_code],
            title=title,
            phone=f"1390000{number:04d}",
            email=f"{username}@yunxi.example",
            is_staff=Role.ADMIN in roles or bool(ADMINISTRATOR_ROLES & set(roles)),
            # Outside development a demo password is a one-time password (GB/T 22239: first sign-in).
            must_change_password=settings.DEMO_MUST_CHANGE_PASSWORD,
        )
        login_password = password or secrets.token_urlsafe(9)
        user.set_password(login_password)
        user.save()
        user.groups.add(*(groups[role] for role in roles))
        created.append((username, login_password, real_name, "、".join(roles)))
    log(
        f"组织与人员：{len(SECTIONS)} 个股室、{len(COUNTY_UNITS)} 个县直单位、{len(PEOPLE)} 人和三名管理员"
        f"（新建 {len(created)} 人）"
    )
    return created
