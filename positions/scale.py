"""The positions part of ``seed_demo --scale N`` (see ideology_office.common.scale): synthetic records
for the county-sized population, written in bulk. Declared in contract.py."""

from __future__ import annotations

import datetime
import itertools
import random
from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from ideology_office.common.bulk import insert_rows
from ideology_office.common.scale import (
    FIRST_YEAR,
    PARENT_BATCH,
    Population,
    Sizes,
    insert,
    local_zone,
    reserve_pks,
)

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

    def append_publication(self, row: list, platform_id: int, title: str) -> None:
        """``row``: item, revision, published_at, publisher, url, post id, created_at, created_by,
        sha, seal; the publication takes the next place in the same chain (positions.chain).
        Adds the sequence and hashes at its end."""
        from positions.chain import publication_link_hash

        self.sequence += 1
        values = (self.sequence, row[0], platform_id, row[1], title, row[8], row[3], row[4], row[5], row[2])
        chain_hash = publication_link_hash(self.last_hash, values, self.key)
        row.extend((self.sequence, self.last_hash, chain_hash))
        self.last_hash = chain_hash


def seed_positions(population: Population, *, items: int, now=None) -> dict:
    """``items`` content items on online platforms of the sections (one per 10,000 items, at
    least two, websites and WeChat accounts in turn), each with its first revision: 73 %
    published (with the sign-offs of every step in the hash chain and the publication), 4 %
    approved, 10 % in review at some step (the earlier steps signed, reviewers assigned and
    granted, waiting since the last signature), 4 % returned at some step, 9 % drafts.
    Published items are spread from 2021 to a week ago, the others are of the last two months."""
    from .models import (
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

    from .chain import publication_seal

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
        revision_pks = reserve_pks(ContentRevision, len(batch))
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
            local = created.astimezone(local_zone())
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
                    [
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
                    ]
                )
        insert(
            ContentRevision,
            ("id", "item_id", "number", "title", "body", "sha256", "created_at", "created_by_id"),
            revision_rows,
        )
        for row in signoffs:
            chain.append(row, *bound[row[0]])
            row.append(row[8])  # created_by: the signer
        insert(
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
        for row in publications:  # after the batch's sign-offs, in the same chain
            chain.append_publication(row, *bound[row[0]])
        insert(
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
                "sequence",
                "previous_hash",
                "chain_hash",
            ),
            publications,
        )
        insert(
            ReviewAssignment,
            ("item_id", "step", "reviewer_id", "is_active", "created_at", "created_by_id"),
            assignments,
        )
        insert(UserObjectPermission, ("permission_id", "user_id", "content_type_id", "object_pk"), grants)
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


def generate(population: Population, sizes: Sizes) -> dict:
    return seed_positions(population, items=sizes.content_items)


def summary(counts: dict) -> str:
    return (
        f"信息 {counts['content_items']:,} 条（已发布 {counts['publications']:,} 条）、"
        f"签批记录 {counts['signoffs']:,} 条"
    )
