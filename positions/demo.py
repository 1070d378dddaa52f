"""Demo data for the positions work area: the office's platforms with their responsible people,
content since 2021 reviewed through the real services (so every sign-off is in the chain), the
physical positions' content changes with photos, and the key dates with their publicity tasks."""

from __future__ import annotations

import datetime
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ideology_office.accounts.models import User

from . import services
from .models import ContentItem, KeyDate, PhysicalUpdate, Platform, PlatformReviewer, PublicityTask, SignOff

# (name, kind, responsible person, location, longest days unchanged)
PLATFORMS = [
    ("门户网站", Platform.Kind.WEBSITE, "majun", "https://www.yunxi.example/xwb/", None),
    ("微信公众号", Platform.Kind.WECHAT, "hanxiao", "云溪县委办（公众号）", None),
    ("宣传栏", Platform.Kind.BULLETIN_BOARD, "luobin", "办公楼一楼大厅", 30),
    ("电子显示屏", Platform.Kind.SCREEN, "caoyu", "办公楼门口", 30),
    ("会议室", Platform.Kind.MEETING_ROOM, "jiangli", "三楼第一会议室", 90),
]
DEFAULT_REVIEWERS = {
    SignOff.Step.FIRST: ["caoyu", "hanxiao"],
    SignOff.Step.SECOND: ["xufang"],
    SignOff.Step.FINAL: ["liumin"],
    SignOff.Step.LEADER: ["chenlihua"],
}
AUTHORS = ["majun", "tangli", "wuqian", "hanxiao", "caoyu"]
TOPICS = [
    "传达学习县委常委会会议精神",
    "理论学习中心组专题学习",
    "意识形态工作专题部署",
    "“三服务”工作动态",
    "第一议题学习情况",
    "网络安全宣传周活动",
    "主题党日活动纪实",
    "机关作风建设简报",
]
# (name, calendar, month, day, days before, days after, sensitive, theme)
KEY_DATES = [
    ("元旦", KeyDate.Calendar.SOLAR, 1, 1, 7, 2, False, "辞旧迎新，展示一年工作成效"),
    ("春节", KeyDate.Calendar.LUNAR, 1, 1, 14, 7, True, "弘扬中华优秀传统文化，倡导文明新风"),
    ("全国两会", KeyDate.Calendar.SOLAR, 3, 5, 7, 10, True, "宣传全国两会精神"),
    ("清明", KeyDate.Calendar.QINGMING, 4, 5, 7, 2, False, "缅怀革命先烈，传承红色基因"),
    ("国家安全教育日", KeyDate.Calendar.SOLAR, 4, 15, 7, 1, False, "总体国家安全观宣传"),
    ("五一劳动节", KeyDate.Calendar.SOLAR, 5, 1, 7, 4, False, "弘扬劳模精神、劳动精神"),
    ("端午", KeyDate.Calendar.LUNAR, 5, 5, 7, 2, False, "传承传统节日文化"),
    ("七一建党节", KeyDate.Calendar.SOLAR, 7, 1, 14, 3, True, "庆祝中国共产党成立"),
    ("中秋", KeyDate.Calendar.LUNAR, 8, 15, 7, 2, False, "家国情怀，团圆和谐"),
    ("国庆", KeyDate.Calendar.SOLAR, 10, 1, 14, 7, True, "礼赞新中国，奋进新征程"),
]
SEED_YEARS = range(2021, 2028)
PER_MONTH = 2


def _png(seed: int) -> bytes:
    """A small valid PNG, its colour varied so that each photo's hash differs."""
    width = height = 8
    colour = bytes(((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256))
    raw = b"".join(b"\x00" + colour * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def _at(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def seed(*, password, log) -> None:
    people = {user.username: user for user in User.objects.all()}
    needed = {row[2] for row in PLATFORMS} | {name for names in DEFAULT_REVIEWERS.values() for name in names}
    if not needed <= people.keys():
        log("阵地管理：缺少演示人员，跳过。")
        return
    admin = people["lufeng"]
    platforms = _seed_platforms(people, admin)
    items = _seed_content(people, platforms)
    updates = _seed_physical(people, platforms)
    dates, tasks = _seed_key_dates(people, admin)
    log(
        f"阵地管理：平台 {len(platforms)} 个；信息 {ContentItem.objects.count()} 条（新建 {items}）；"
        f"签批记录 {SignOff.objects.count()} 条；实体阵地更新 {PhysicalUpdate.objects.count()} 次（新建 {updates}）；"
        f"重要时间节点 {len(dates)} 个，宣传任务 {PublicityTask.objects.count()} 项（新建 {tasks}）"
    )


def _seed_platforms(people, admin) -> dict[str, Platform]:
    platforms = {}
    for name, kind, responsible, location, limit in PLATFORMS:
        platform = Platform.objects.filter(name=name).first()
        if platform is None:
            platform = services.platform_save(
                platform=Platform(
                    name=name,
                    kind=kind,
                    responsible_person=people[responsible],
                    location=location,
                    max_unchanged_days=limit,
                ),
                user=admin,
            )
        platforms[name] = platform
        if not platform.is_physical:
            for step, usernames in DEFAULT_REVIEWERS.items():
                wanted = [people[username] for username in usernames]
                have = set(
                    PlatformReviewer.objects.filter(platform=platform, step=step).values_list(
                        "reviewer_id", flat=True
                    )
                )
                if have != {user.pk for user in wanted}:
                    services.platform_reviewers_set(
                        platform=platform, step=step, reviewers=wanted, user=admin
                    )
    return platforms


def _months(start: datetime.date, end: datetime.date):
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        month += 1
        if month == 13:
            year, month = year + 1, 1


def _body(topic: str, year: int, month: int) -> str:
    return (
        f"{year}年{month}月，县委办公室{topic}。\n"
        "会议强调，要坚持以习近平新时代中国特色社会主义思想为指导，牢牢掌握意识形态工作领导权。\n"
        "全办干部职工要守土有责、守土负责、守土尽责，确保各类阵地可管可控。"
    )


def _review_all(item, people, day, *, reject_at_second=False):
    """Walk the item through every required step on the platform's default reviewers."""
    hour = 10
    for step in item.required_steps:
        item.refresh_from_db()
        signer = next(
            user for user in (people[name] for name in DEFAULT_REVIEWERS[step]) if user.pk != item.author_id
        )
        day += datetime.timedelta(days=1)
        if reject_at_second and step == SignOff.Step.SECOND:
            services.content_item_sign(
                item=item,
                user=signer,
                decision="reject",
                opinion="部分表述不够准确，请核实数据后修改。",
                at=_at(day, hour),
            )
            return day, False
        services.content_item_sign(
            item=item, user=signer, decision="approve", opinion=_opinion(step), at=_at(day, hour)
        )
    return day, True


def _opinion(step: str) -> str:
    return {
        SignOff.Step.FIRST: "内容属实，文字已校对，同意报复审。",
        SignOff.Step.SECOND: "导向正确，表述规范，同意报终审。",
        SignOff.Step.FINAL: "同意发布。",
        SignOff.Step.LEADER: "经审阅，同意发布。",
    }[step]


def _seed_content(people, platforms) -> int:
    online = [platforms["门户网站"], platforms["微信公众号"]]
    if ContentItem.objects.filter(platform__in=online).exists():
        return 0
    today = timezone.localdate()
    last_full_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)
    created = 0
    number = 0
    # History: published items, every month since 2021, through the real review.
    for year, month in _months(datetime.date(2021, 1, 1), last_full_month - datetime.timedelta(days=1)):
        for slot in range(PER_MONTH):
            number += 1
            day = datetime.date(year, month, 3 + slot * 12)
            item = _draft(people, online[number % 2], number, day, year, month)
            created += 1
            services.content_item_submit(item=item, user=item.author, at=_at(day, 11))
            if number % 5 == 0:
                day, _ok = _review_all(item, people, day, reject_at_second=True)
                item.refresh_from_db()
                services.content_item_edit(
                    item=item,
                    user=item.author,
                    title=item.title,
                    body=item.current_revision.body + "\n（数据已核实。）",
                    at=_at(day, 15),
                )
                services.content_item_submit(item=item, user=item.author, at=_at(day, 16))
            day, _ok = _review_all(item, people, day)
            item.refresh_from_db()
            platform = item.platform
            publication_day = day + datetime.timedelta(days=1)
            services.content_item_publish(
                item=item,
                user=platform.responsible_person,
                published_at=_at(publication_day, 9),
                url=f"https://www.yunxi.example/xwb/{year}{month:02d}/{item.pk}.html"
                if platform.kind == Platform.Kind.WEBSITE
                else "",
                post_id="" if platform.kind == Platform.Kind.WEBSITE else f"wx{year}{month:02d}{item.pk:04d}",
            )
            if number % 23 == 0:
                item.refresh_from_db()
                kind = "correction" if number % 2 else "takedown"
                services.publication_act(
                    item=item,
                    user=platform.responsible_person,
                    kind=kind,
                    reason="发现文中一处数据引用有误。"
                    if kind == "correction"
                    else "相关活动延期，撤下原通知。",
                    at=_at(publication_day, 17),
                )
    # This month: one item in every state, so each queue and page has something to show.
    start = max(last_full_month, today - datetime.timedelta(days=20))
    states = ["draft", "first", "second", "final", "leader", "rejected", "approved", "published"]
    for offset, state in enumerate(states):
        number += 1
        day = start + datetime.timedelta(days=offset)
        item = _draft(people, online[number % 2], number, day, day.year, day.month, high=state == "leader")
        created += 1
        if state == "draft":
            continue
        services.content_item_submit(item=item, user=item.author, at=_at(day, 11))
        wanted = {"first": 0, "second": 1, "final": 2, "leader": 3}.get(state)
        if state == "rejected":
            _review_all_today(item, people, day, reject_at=SignOff.Step.SECOND)
            continue
        if wanted is not None:
            for step in item.required_steps[:wanted]:
                item.refresh_from_db()
                signer = next(
                    u for u in (people[n] for n in DEFAULT_REVIEWERS[step]) if u.pk != item.author_id
                )
                services.content_item_sign(
                    item=item,
                    user=signer,
                    decision="approve",
                    opinion=_opinion(step),
                    at=_at(day, 12 + item.required_steps.index(step)),
                )
            continue
        _review_all_today(item, people, day)
        if state == "published":
            item.refresh_from_db()
            services.content_item_publish(
                item=item,
                user=item.platform.responsible_person,
                published_at=_at(day, 18),
                post_id=f"wx-now-{item.pk}",
                url="",
            )
    return created


def _review_all_today(item, people, day, reject_at=None):
    for hour, step in enumerate(item.required_steps, start=12):
        item.refresh_from_db()
        signer = next(u for u in (people[n] for n in DEFAULT_REVIEWERS[step]) if u.pk != item.author_id)
        if step == reject_at:
            services.content_item_sign(
                item=item,
                user=signer,
                decision="reject",
                opinion="标题与正文不一致，请修改后重新提交。",
                at=_at(day, hour),
            )
            return
        services.content_item_sign(
            item=item, user=signer, decision="approve", opinion=_opinion(step), at=_at(day, hour)
        )


def _draft(people, platform, number, day, year, month, *, high=False):
    topic = TOPICS[number % len(TOPICS)]
    author = people[AUTHORS[number % len(AUTHORS)]]
    sensitivity = "high" if high or number % 11 == 0 else ("sensitive" if number % 3 == 0 else "normal")
    return services.content_item_create(
        platform=platform,
        title=f"{year}年{month}月{topic}",
        body=_body(topic, year, month),
        author=author,
        sensitivity=sensitivity,
        at=_at(day, 9),
    )


def _seed_physical(people, platforms) -> int:
    physical = [platform for platform in platforms.values() if platform.is_physical]
    if PhysicalUpdate.objects.filter(platform__in=physical).exists():
        return 0
    today = timezone.localdate()
    approver = people["liumin"]
    created = 0
    for index, platform in enumerate(physical):
        step = datetime.timedelta(days=platform.max_unchanged_days - 5)
        # The screen's last change is long past: the dashboard flags it as stale.
        stop = today - datetime.timedelta(days=45) if platform.kind == Platform.Kind.SCREEN else today
        day = datetime.date(2021, 1, 4 + index)
        while day <= stop:
            created += 1
            services.physical_update_record(
                platform=platform,
                user=platform.responsible_person,
                content=f"{platform.name}更新：{TOPICS[created % len(TOPICS)]}主题宣传内容（{day:%Y年%m月}）",
                start_date=day,
                end_date=None,
                approved_by=approver,
                photo=SimpleUploadedFile(
                    f"{platform.kind}-{day:%Y%m%d}.png", _png(created), content_type="image/png"
                ),
                note="",
            )
            day += step
    return created


def _seed_key_dates(people, admin):
    dates = []
    for name, calendar, month, day, before, after, sensitive, theme in KEY_DATES:
        key_date = KeyDate.objects.filter(name=name).first()
        if key_date is None:
            key_date = services.key_date_save(
                key_date=KeyDate(
                    name=name,
                    calendar=calendar,
                    month=month,
                    day=day,
                    days_before=before,
                    days_after=after,
                    is_sensitive=sensitive,
                    theme=theme,
                ),
                user=admin,
            )
        dates.append(key_date)
    today = timezone.localdate()
    created = 0
    planner = people["liumin"]
    existing = set(PublicityTask.objects.values_list("key_date_id", "year", "title"))
    for year in SEED_YEARS:
        for key_date in dates:
            occurrence = key_date.occurrence(year)
            plans = [
                (f"{key_date.name}主题宣传栏更新", people["luobin"], occurrence - datetime.timedelta(days=3))
            ]
            if key_date.is_sensitive:
                plans.append(
                    (
                        f"{key_date.name}期间网络阵地内容专项检查",
                        people["xufang"],
                        occurrence - datetime.timedelta(days=1),
                    )
                )
            for title, owner, deadline in plans:
                if (key_date.pk, year, title) in existing:
                    continue
                task = services.publicity_task_create(
                    key_date=key_date, year=year, title=title, owner=owner, deadline=deadline, user=planner
                )
                created += 1
                if deadline < today:
                    services.publicity_task_complete(task=task, user=owner, at=_at(deadline, 17))
    return dates, created
