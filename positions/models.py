"""Publishing positions: platforms, content items under 三审三校, physical positions, key dates."""

from __future__ import annotations

import datetime
import hashlib

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ideology_office.common.audit import AuditedQuerySet
from ideology_office.common.models import BaseModel, VoidableModel

from .chain import link_hash, payload, publication_link_hash, publication_seal
from .lunar import lunar_to_solar, qingming


class Step(models.TextChoices):
    """The review steps (三审, plus the principal leader for highly sensitive content) and the
    three proofreads (三校), each signed as its own row."""

    FIRST = "first", _("First review")
    SECOND = "second", _("Second review")
    FINAL = "final", _("Final review")
    LEADER = "leader", _("Principal leader's review")
    PROOF_1 = "proof1", _("Proofread 1")
    PROOF_2 = "proof2", _("Proofread 2")
    PROOF_3 = "proof3", _("Proofread 3")


REVIEW_STEP_CHOICES = [
    (step.value, step.label) for step in (Step.FIRST, Step.SECOND, Step.FINAL, Step.LEADER)
]
PROOFREAD_CARRIER_CHOICES = REVIEW_STEP_CHOICES[:3]


class Platform(BaseModel):
    """A publishing position, online (website, WeChat account ...) or physical (board, screen ...)."""

    class Kind(models.TextChoices):
        WEBSITE = "website", _("Portal website")
        WECHAT = "wechat", _("WeChat official account")
        WEIBO = "weibo", _("Weibo")
        OTHER_ONLINE = "other_online", _("Other online platform")
        BULLETIN_BOARD = "bulletin_board", _("Bulletin board")
        SCREEN = "screen", _("Electronic screen")
        MEETING_ROOM = "meeting_room", _("Meeting room")

    PHYSICAL_KINDS = (Kind.BULLETIN_BOARD, Kind.SCREEN, Kind.MEETING_ROOM)

    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        on_delete=models.PROTECT,
        related_name="positions_platforms",
    )
    location = models.CharField(
        _("location or address"),
        max_length=200,
        blank=True,
        help_text=_("Web address, account name or room."),
    )
    max_unchanged_days = models.PositiveIntegerField(
        _("longest days unchanged"),
        null=True,
        blank=True,
        help_text=_("Physical positions only: content older than this is flagged as stale."),
    )
    first_proofread_step = models.CharField(
        _("step carrying proofread 1"), max_length=10, choices=PROOFREAD_CARRIER_CHOICES, default=Step.FIRST
    )
    second_proofread_step = models.CharField(
        _("step carrying proofread 2"), max_length=10, choices=PROOFREAD_CARRIER_CHOICES, default=Step.SECOND
    )
    third_proofread_step = models.CharField(
        _("step carrying proofread 3"), max_length=10, choices=PROOFREAD_CARRIER_CHOICES, default=Step.FINAL
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("platform")
        verbose_name_plural = _("platforms")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_unchanged_days__isnull=True) | models.Q(max_unchanged_days__gt=0),
                name="positions_platform_limit_positive",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("positions:platform_detail", args=[self.pk])

    @property
    def is_physical(self) -> bool:
        return self.kind in self.PHYSICAL_KINDS

    def proofreads_for(self, step: str) -> list[str]:
        """The proofreads (一校/二校/三校) recorded at ``step`` on this platform, in order."""
        plan = [
            (Step.PROOF_1, self.first_proofread_step),
            (Step.PROOF_2, self.second_proofread_step),
            (Step.PROOF_3, self.third_proofread_step),
        ]
        return [proof for proof, carrier in plan if carrier == step]


class PlatformReviewer(BaseModel):
    """A default reviewer of one step for every item of a platform (copied to an item on submission)."""

    platform = models.ForeignKey(
        Platform, verbose_name=_("platform"), on_delete=models.CASCADE, related_name="default_reviewers"
    )
    step = models.CharField(_("step"), max_length=10, choices=REVIEW_STEP_CHOICES)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("default reviewer")
        verbose_name_plural = _("default reviewers")
        ordering = ["platform", "step", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "step", "reviewer"], name="positions_platformreviewer_unique"
            )
        ]

    def __str__(self):
        return f"{self.platform} {self.get_step_display()} {self.reviewer}"


class ContentItem(BaseModel):
    """One piece of content for an online platform. Its text lives in revisions; its review in sign-offs."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        REJECTED = "rejected", _("Returned")
        APPROVED = "approved", _("Approved")
        PUBLISHED = "published", _("Published")
        TAKEN_DOWN = "taken_down", _("Taken down")

    class Sensitivity(models.TextChoices):
        NORMAL = "normal", _("Normal")
        SENSITIVE = "sensitive", _("Sensitive")
        HIGH = "high", _("Highly sensitive")

    platform = models.ForeignKey(
        Platform, verbose_name=_("platform"), on_delete=models.PROTECT, related_name="items"
    )
    title = models.CharField(_("title"), max_length=200)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="+"
    )
    sensitivity = models.CharField(
        _("sensitivity"), max_length=10, choices=Sensitivity.choices, default=Sensitivity.NORMAL
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    current_step = models.CharField(_("current step"), max_length=10, blank=True, choices=REVIEW_STEP_CHOICES)
    review_round = models.PositiveIntegerField(_("review round"), default=0)
    current_revision = models.ForeignKey(
        "ContentRevision",
        verbose_name=_("current revision"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    approved_revision = models.ForeignKey(
        "ContentRevision",
        verbose_name=_("approved revision"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    step_entered_at = models.DateTimeField(_("waiting since"), null=True, blank=True)
    final_approved_at = models.DateTimeField(_("final review signed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("content item")
        verbose_name_plural = _("content items")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("sign_first", _("Can sign the first review of this item")),
            ("sign_second", _("Can sign the second review of this item")),
            ("sign_final", _("Can sign the final review of this item")),
            ("sign_leader", _("Can sign the principal leader's review of this item")),
        ]
        indexes = [
            models.Index(fields=["status", "current_step"], name="positions_item_queue"),
            # The summaries (common/rollups.py) recount a month by this date on every write.
            models.Index(
                fields=["final_approved_at"],
                name="positions_item_final_approved",
                condition=models.Q(final_approved_at__isnull=False),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("positions:item_detail", args=[self.pk])

    @property
    def required_steps(self) -> list[str]:
        steps = [Step.FIRST, Step.SECOND, Step.FINAL]
        if self.sensitivity == self.Sensitivity.HIGH:
            # Highly sensitive content also goes to the principal leader after the final review.
            steps.append(Step.LEADER)
        return [str(step) for step in steps]

    @property
    def current_step_label(self):
        return Step(self.current_step).label if self.current_step else ""

    @property
    def is_editable(self) -> bool:
        return self.status in (
            self.Status.DRAFT,
            self.Status.REJECTED,
            self.Status.IN_REVIEW,
            self.Status.APPROVED,
        )


def content_digest(title: str, body: str) -> str:
    """The SHA-256 that a sign-off fixes: title and body, separated so that no shift goes unnoticed."""
    return hashlib.sha256(f"{title}\n\x1e\n{body}".encode()).hexdigest()


class ContentRevision(BaseModel):
    """One saved text of an item; never changed once written."""

    item = models.ForeignKey(
        ContentItem, verbose_name=_("content item"), on_delete=models.PROTECT, related_name="revisions"
    )
    number = models.PositiveIntegerField(_("revision"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        verbose_name = _("revision")
        verbose_name_plural = _("revisions")
        ordering = ["item", "number"]
        constraints = [
            models.UniqueConstraint(fields=["item", "number"], name="positions_revision_unique_number")
        ]

    def __str__(self):
        return f"{self.item_id} v{self.number}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("A revision is never changed once written.")
        super().save(*args, **kwargs)

    @property
    def short_hash(self) -> str:
        return self.sha256[:12]


class ReviewAssignment(BaseModel):
    """Who reviews one step of one item; the matching guardian grant is made and removed with it."""

    item = models.ForeignKey(
        ContentItem, verbose_name=_("content item"), on_delete=models.PROTECT, related_name="assignments"
    )
    step = models.CharField(_("step"), max_length=10, choices=REVIEW_STEP_CHOICES)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reviewer"), on_delete=models.PROTECT, related_name="+"
    )
    is_active = models.BooleanField(_("active"), default=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("review assignment")
        verbose_name_plural = _("review assignments")
        ordering = ["item", "step", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "step", "reviewer"],
                condition=models.Q(is_active=True),
                name="positions_assignment_unique_active",
            )
        ]
        indexes = [models.Index(fields=["reviewer", "is_active", "step"], name="positions_assign_queue")]

    def __str__(self):
        return f"{self.item_id} {self.step} {self.reviewer}"

    @property
    def step_label(self):
        return self.get_step_display()


class SignOffQuerySet(AuditedQuerySet):
    def update(self, **kwargs):
        raise PermissionError("Sign-offs are append-only.")

    def delete(self):
        raise PermissionError("Sign-offs are append-only.")

    def bulk_update(self, *args, **kwargs):
        raise PermissionError("Sign-offs are append-only.")

    def bulk_create(self, *args, **kwargs):
        # Each row's chain hash depends on the one before: rows are written one by one, in order.
        raise PermissionError("Sign-offs are written one at a time by the review services.")


class SignOff(BaseModel):
    """One signature of the 三审三校 record. Append-only; each row carries the chain hash of the one
    before it, so that ``verify_signoffs`` finds any row changed or removed afterwards."""

    Step = Step
    REVIEW_STEPS = (Step.FIRST, Step.SECOND, Step.FINAL, Step.LEADER)

    class Decision(models.TextChoices):
        APPROVE = "approve", _("Approved")
        REJECT = "reject", _("Returned")
        VOID = "void", _("Voided by an edit")

    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True, editable=False)
    item = models.ForeignKey(
        ContentItem, verbose_name=_("content item"), on_delete=models.PROTECT, related_name="signoffs"
    )
    revision = models.ForeignKey(
        ContentRevision, verbose_name=_("revision"), on_delete=models.PROTECT, related_name="signoffs"
    )
    content_sha256 = models.CharField(_("SHA-256 of the revision"), max_length=64)
    review_round = models.PositiveIntegerField(_("review round"))
    step = models.CharField(_("step"), max_length=10, choices=Step)
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    opinion = models.TextField(_("opinion"), blank=True)
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("signer"), on_delete=models.PROTECT, related_name="+"
    )
    signer_name = models.CharField(_("signer's name"), max_length=50)
    signer_title = models.CharField(_("signer's title"), max_length=50, blank=True)
    signed_at = models.DateTimeField(_("signed at"), default=timezone.now)
    previous_hash = models.CharField(_("previous chain hash"), max_length=64)
    chain_hash = models.CharField(_("chain hash"), max_length=64)

    objects = SignOffQuerySet.as_manager()

    class Meta:
        verbose_name = _("sign-off")
        verbose_name_plural = _("sign-offs")
        ordering = ["sequence"]
        default_permissions = ("view",)
        # The summaries (common/rollups.py) recount a month by this date on every write.
        indexes = [models.Index(fields=["signed_at"], name="positions_signoff_signed_at")]

    def __str__(self):
        return f"#{self.sequence} {self.get_step_display()} {self.signer_name}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("Sign-offs are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Sign-offs are append-only.")

    @property
    def is_review(self) -> bool:
        return self.step in self.REVIEW_STEPS

    def payload_values(self) -> tuple:
        """The row's fields as the chain hash covers them (``positions.chain.PAYLOAD_COLUMNS``)."""
        return (
            self.sequence,
            self.item_id,
            self.item.platform_id,
            self.revision_id,
            self.revision.title,
            self.content_sha256,
            self.review_round,
            self.step,
            self.decision,
            self.opinion,
            self.signer_id,
            self.signer_name,
            self.signer_title,
            self.signed_at,
        )

    def payload(self) -> str:
        return payload(self.payload_values())

    def compute_chain_hash(self, previous_hash: str) -> str:
        """HMAC-SHA256 under the chain key (never in the database) of the previous hash and the payload."""
        return link_hash(previous_hash, self.payload_values())


GENESIS_HASH = "0" * 64


class SignOffChainHead(models.Model):
    """The tip of the sign-off chain: the row locked to append, and the witness of the last row
    (without it, deleting the newest sign-off would leave an intact shorter chain)."""

    last_sequence = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("sign-off chain head")
        verbose_name_plural = _("sign-off chain head")
        default_permissions = ()

    def __str__(self):
        return f"#{self.last_sequence}"


class ContentItemView(BaseModel):
    """Which revision a person last saw, so the next visit shows what changed since."""

    item = models.ForeignKey(
        ContentItem, verbose_name=_("content item"), on_delete=models.CASCADE, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    revision = models.ForeignKey(
        ContentRevision, verbose_name=_("revision"), on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        verbose_name = _("last seen revision")
        verbose_name_plural = _("last seen revisions")
        constraints = [models.UniqueConstraint(fields=["item", "user"], name="positions_itemview_unique")]

    def __str__(self):
        return f"{self.user_id} {self.item_id} {self.revision_id}"


class Publication(BaseModel):
    """The publishing of an item's finally approved revision, and its takedown or correction."""

    item = models.OneToOneField(
        ContentItem, verbose_name=_("content item"), on_delete=models.PROTECT, related_name="publication"
    )
    revision = models.ForeignKey(
        ContentRevision, verbose_name=_("published revision"), on_delete=models.PROTECT, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("published by"), on_delete=models.PROTECT, related_name="+"
    )
    url = models.URLField(_("URL"), blank=True)
    post_id = models.CharField(_("post id"), max_length=100, blank=True)
    content_sha256 = models.CharField(_("SHA-256 of the published text"), max_length=64, blank=True)
    seal = models.CharField(_("seal"), max_length=64, blank=True, editable=False)
    # The publication's place in the sign-off chain (positions.chain): drawn from the same head,
    # under the same lock, as the sign-offs'. Null only before migration 0004 chained it.
    sequence = models.PositiveBigIntegerField(_("sequence"), unique=True, null=True, editable=False)
    previous_hash = models.CharField(_("previous chain hash"), max_length=64, blank=True, editable=False)
    chain_hash = models.CharField(_("chain hash"), max_length=64, blank=True, editable=False)

    class Meta:
        verbose_name = _("publication")
        verbose_name_plural = _("publications")
        ordering = ["-published_at"]
        # The summaries (common/rollups.py) recount a month by this date on every write.
        indexes = [models.Index(fields=["published_at"], name="positions_pub_published_at")]

    def __str__(self):
        return str(self.item)

    def seal_values(self) -> tuple:
        """The fields the seal binds (``positions.chain.PUBLICATION_COLUMNS``)."""
        return (
            self.item_id,
            self.item.platform_id,
            self.revision_id,
            self.revision.title,
            self.content_sha256,
            self.published_by_id,
            self.url,
            self.post_id,
            self.published_at,
        )

    def compute_seal(self) -> str:
        return publication_seal(self.seal_values())

    def compute_chain_hash(self, previous_hash: str) -> str:
        """The row's link in the chain (``positions.chain.PUBLICATION_CHAIN_COLUMNS``)."""
        return publication_link_hash(previous_hash, (self.sequence, *self.seal_values()))


class PublicationAction(BaseModel):
    """A takedown or a correction of a published item, with its reason."""

    class Kind(models.TextChoices):
        TAKEDOWN = "takedown", _("Takedown")
        CORRECTION = "correction", _("Correction")

    publication = models.ForeignKey(
        Publication, verbose_name=_("publication"), on_delete=models.PROTECT, related_name="actions"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    reason = models.TextField(_("reason"))
    acted_at = models.DateTimeField(_("time"), default=timezone.now)
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("takedown or correction")
        verbose_name_plural = _("takedowns and corrections")
        ordering = ["acted_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.publication}"


class PhysicalUpdate(VoidableModel):
    """One content change of a physical position (宣传栏, 电子显示屏 ...), with its approval (备案) and photo."""

    platform = models.ForeignKey(
        Platform, verbose_name=_("position"), on_delete=models.PROTECT, related_name="physical_updates"
    )
    content = models.TextField(_("what was posted"))
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("approved by"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("physical position update")
        verbose_name_plural = _("physical position updates")
        ordering = ["-start_date", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="positions_physicalupdate_dates_ordered",
            )
        ]

    def __str__(self):
        return f"{self.platform} {self.start_date:%Y-%m-%d}"

    def get_absolute_url(self):
        return reverse("positions:physical_update_detail", args=[self.pk])


class KeyDate(BaseModel):
    """A key date or sensitive period (元旦, 春节, 国庆 ...); its day each year is computed from the rule."""

    class Calendar(models.TextChoices):
        SOLAR = "solar", _("Gregorian date")
        LUNAR = "lunar", _("Lunar date")
        QINGMING = "qingming", _("Qingming solar term")

    name = models.CharField(_("name"), max_length=50, unique=True)
    calendar = models.CharField(
        _("calendar"), max_length=10, choices=Calendar.choices, default=Calendar.SOLAR
    )
    month = models.PositiveSmallIntegerField(_("month"), default=1)
    day = models.PositiveSmallIntegerField(_("day"), default=1)
    days_before = models.PositiveSmallIntegerField(_("window days before"), default=7)
    days_after = models.PositiveSmallIntegerField(_("window days after"), default=3)
    is_sensitive = models.BooleanField(_("sensitive period"), default=False)
    theme = models.CharField(_("publicity theme"), max_length=200, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("key date")
        verbose_name_plural = _("key dates")
        ordering = ["calendar", "month", "day"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(month__gte=1, month__lte=12, day__gte=1, day__lte=31),
                name="positions_keydate_month_day_valid",
            )
        ]

    def __str__(self):
        return self.name

    def occurrence(self, year: int) -> datetime.date:
        """The day of this key date in ``year``."""
        if self.calendar == self.Calendar.LUNAR:
            return lunar_to_solar(year, self.month, self.day)
        if self.calendar == self.Calendar.QINGMING:
            return qingming(year)
        return datetime.date(year, self.month, self.day)


class PublicityTask(VoidableModel):
    """A publicity task planned ahead for one key date of one year, with owner and deadline."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")

    key_date = models.ForeignKey(
        KeyDate, verbose_name=_("key date"), on_delete=models.PROTECT, related_name="tasks"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("task"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    platform = models.ForeignKey(
        Platform,
        verbose_name=_("position"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        verbose_name = _("publicity task")
        verbose_name_plural = _("publicity tasks")
        ordering = ["deadline", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["key_date", "year", "title"], name="positions_task_unique_per_key_date_year"
            )
        ]

    def __str__(self):
        return self.title
