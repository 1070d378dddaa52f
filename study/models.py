"""Theoretical study (深化理论武装): materials, sessions with attendance, reading classes,
learning-platform points and their monthly bulletin, and the jobs of the spreadsheet import."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ideology_office.common.models import BaseModel, VoidableModel, VoidableQuerySet, evidence_storage


class Tag(BaseModel):
    """A topic tag (意识形态, 网络安全, …); the list is data that staff extend."""

    name = models.CharField(_("name"), max_length=30, unique=True)

    audit_natural_key = ("name",)

    class Meta:
        verbose_name = _("topic tag")
        verbose_name_plural = _("topic tags")
        ordering = ["name"]

    def __str__(self):
        return self.name


class StudyMaterial(VoidableModel):
    """An important speech, instruction, work or document to be studied (the 第一议题 content)."""

    class Kind(models.TextChoices):
        SPEECH = "speech", _("Important speech")
        INSTRUCTION = "instruction", _("Important instruction")
        WORK = "work", _("Work")
        DOCUMENT = "document", _("Document")

    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    issued_on = models.DateField(_("issued on"))
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("study material")
        verbose_name_plural = _("study materials")
        ordering = ["-issued_on", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["title", "issued_on"],
                condition=Q(voided_at__isnull=True),
                name="study_material_unique_title_date",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("study:material_detail", args=[self.pk])


class ReadingClass(VoidableModel):
    """A 专题读书班: a programme of several days, each day a study session of its own."""

    title = models.CharField(_("title"), max_length=200)
    theme = models.CharField(_("theme"), max_length=200, blank=True)
    section = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("organising section"), on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))

    class Meta:
        verbose_name = _("reading class")
        verbose_name_plural = _("reading classes")
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="study_readingclass_dates_in_order"
            )
        ]

    def __str__(self):
        return self.title


class StudySessionQuerySet(VoidableQuerySet):
    def filter(self, *args, **kwargs):
        # Lookups across the tag or material relations join one row per tag; turned into a
        # subquery they keep one row per session, so that counts (the report's "discussions on
        # 意识形态 or 网络安全") count sessions, whatever filters a scoring rule stores.
        # Django's own related managers and prefetches filter "sticky" querysets on the join
        # itself; those are left as they are.
        if self._sticky_filter:
            return super().filter(*args, **kwargs)
        joined = {key: kwargs.pop(key) for key in list(kwargs) if key.startswith(("tags__", "materials__"))}
        query = super().filter(*args, **kwargs)
        if joined:
            matching = StudySession._base_manager.filter(**joined).values("pk")
            query = super(StudySessionQuerySet, query).filter(pk__in=matching)
        return query


class StudySession(VoidableModel):
    class Kind(models.TextChoices):
        FIRST_AGENDA = "first_agenda", _("First agenda item study")
        CENTRAL_GROUP = "central_group", _("Central group study")
        THEMATIC_DISCUSSION = "thematic_discussion", _("Thematic discussion")
        READING_CLASS = "reading_class", _("Reading class day")
        BRANCH_GENERAL = "branch_general", _("Branch general meeting")
        BRANCH_COMMITTEE = "branch_committee", _("Branch committee meeting")
        PARTY_GROUP = "party_group", _("Party group meeting")
        PARTY_LECTURE = "party_lecture", _("Party lecture")
        THEMED_PARTY_DAY = "themed_party_day", _("Themed party day")
        OTHER = "other", _("Other activity")

    class Venue(models.TextChoices):
        OFFICE_MEETING = "office_meeting", _("Office meeting")
        CENTRAL_GROUP = "central_group", _("Central group")
        PARTY_BRANCH = "party_branch", _("Party branch meeting")

    BRANCH_MEETING_KINDS = (
        Kind.BRANCH_GENERAL,
        Kind.BRANCH_COMMITTEE,
        Kind.PARTY_GROUP,
        Kind.PARTY_LECTURE,
    )

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices, db_index=True)
    first_agenda_venue = models.CharField(
        _("held at"),
        max_length=20,
        choices=Venue.choices,
        blank=True,
        help_text=_("For a first agenda item study: the meeting it was item 1 of."),
    )
    date = models.DateField(_("date"), db_index=True)
    start_time = models.TimeField(_("start time"), null=True, blank=True)
    end_time = models.TimeField(_("end time"), null=True, blank=True)
    place = models.CharField(_("place"), max_length=100, blank=True)
    section = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("organising section"), on_delete=models.PROTECT, related_name="+"
    )
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("host"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    recorder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorder"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    topic = models.CharField(_("topic"), max_length=200)
    minutes = models.TextField(_("minutes"), blank=True)
    reading_class = models.ForeignKey(
        ReadingClass,
        verbose_name=_("reading class"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
    )
    materials = models.ManyToManyField(
        StudyMaterial, verbose_name=_("materials studied"), blank=True, related_name="sessions"
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("topic tags"), blank=True, related_name="sessions")

    objects = StudySessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("study session")
        verbose_name_plural = _("study sessions")
        ordering = ["-date", "-start_time", "-pk"]
        constraints = [
            # The natural key of the spreadsheet import: re-importing a file finds the same rows.
            models.UniqueConstraint(
                fields=["kind", "date", "topic"],
                condition=Q(voided_at__isnull=True),
                name="study_session_unique_kind_date_topic",
            ),
            models.CheckConstraint(
                condition=Q(
                    kind="first_agenda",
                    first_agenda_venue__in=["office_meeting", "central_group", "party_branch"],
                )
                | (~Q(kind="first_agenda") & Q(first_agenda_venue="")),
                name="study_session_venue_only_for_first_agenda",
            ),
            models.CheckConstraint(
                condition=Q(end_time__isnull=True)
                | Q(start_time__isnull=True)
                | Q(end_time__gt=models.F("start_time")),
                name="study_session_times_in_order",
            ),
        ]

    # The natural key of the import; a summarising audit entry lists it for every row it names.
    audit_natural_key = ("kind", "date", "topic")

    def __str__(self):
        # An unsaved session (a form being filled, an import row) may have no date yet.
        day = f"{self.date:%Y-%m-%d} " if self.date else ""
        return f"{day}{self.get_kind_display()}：{self.topic}"

    def get_absolute_url(self):
        return reverse("study:session_detail", args=[self.pk])


class Attendance(BaseModel):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")
        OBSERVER = "observer", _("Attending without a vote")

    session = models.ForeignKey(
        StudySession, verbose_name=_("study session"), on_delete=models.CASCADE, related_name="attendances"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("attendance"), max_length=10, choices=Status.choices, default=Status.PRESENT)
    absence_reason = models.CharField(_("reason for absence"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        ordering = ["session", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="study_attendance_once_per_person"),
            models.CheckConstraint(
                condition=~Q(status="absent") | ~Q(absence_reason=""),
                name="study_attendance_absence_has_reason",
            ),
        ]

    audit_natural_key = ("session_id", "person_id")

    def __str__(self):
        # Ids only: the audit trail names every row written in bulk, without a query per row.
        return f"{self.status} · #{self.person_id} @ #{self.session_id}"


class Speech(BaseModel):
    """What one participant said (谈认识、讲体会、谋举措)."""

    session = models.ForeignKey(
        StudySession, verbose_name=_("study session"), on_delete=models.CASCADE, related_name="speeches"
    )
    speaker = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("speaker"), on_delete=models.PROTECT, related_name="+"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    content = models.TextField(_("what was said"))

    class Meta:
        verbose_name = _("speech")
        verbose_name_plural = _("speeches")
        ordering = ["session", "order", "pk"]

    def __str__(self):
        return f"{self.order}. {self.content[:40]}"


class LearningPlatform(BaseModel):
    name = models.CharField(_("name"), max_length=50, unique=True)
    code = models.SlugField(_("code"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("learning platform")
        verbose_name_plural = _("learning platforms")
        ordering = ["pk"]

    def __str__(self):
        return self.name


class PointsEntry(BaseModel):
    """Points one person earned on one platform on one day, or in one month (the platforms
    export either)."""

    class Period(models.TextChoices):
        DAY = "day", _("Day")
        MONTH = "month", _("Month")

    platform = models.ForeignKey(
        LearningPlatform, verbose_name=_("platform"), on_delete=models.PROTECT, related_name="entries"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    period = models.CharField(_("period"), max_length=10, choices=Period.choices)
    date = models.DateField(_("date"), help_text=_("For a month: its first day."))
    points = models.PositiveIntegerField(_("points"))

    class Meta:
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        ordering = ["-date", "platform", "person"]
        # The summaries (common/rollups.py) recount a month by this date on every write.
        indexes = [models.Index(fields=["date"], name="study_points_date")]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "person", "period", "date"], name="study_points_once_per_period"
            ),
            models.CheckConstraint(
                condition=Q(period="day") | Q(date__day=1), name="study_points_month_on_first_day"
            ),
        ]

    audit_natural_key = ("platform_id", "person_id", "period", "date")

    def __str__(self):
        # Ids only: the audit trail names every row written in bulk, without a query per row.
        day = f" {self.date:%Y-%m-%d}" if self.date else ""
        return f"#{self.person_id}{day} {self.points}"


class PointsThreshold(BaseModel):
    """The daily minimum of points on one platform for people of one role (leaders and staff
    may differ). Each platform has its own: 学习强国 counts daily points, a local platform such as
    云溪先锋 scores on another scale, so one platform's minimum says nothing about another's.
    A platform with no thresholds names nobody as below."""

    platform = models.ForeignKey(
        LearningPlatform, verbose_name=_("platform"), on_delete=models.PROTECT, related_name="thresholds"
    )
    role = models.CharField(_("role"), max_length=20)
    daily_minimum = models.PositiveIntegerField(_("daily minimum points"))

    class Meta:
        verbose_name = _("points threshold")
        verbose_name_plural = _("points thresholds")
        ordering = ["platform", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "role"],
                name="study_threshold_once_per_platform_and_role",
                violation_error_message=_("This platform already has a threshold for this role."),
            )
        ]

    def __str__(self):
        platform = self.platform if self.platform_id else ""
        return f"{platform} {self.role} ≥ {self.daily_minimum}"


class PointsBulletin(VoidableModel):
    """The monthly 学习积分通报: the ranking is computed from the points; publishing fixes the month."""

    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    platform = models.ForeignKey(
        LearningPlatform, verbose_name=_("platform"), on_delete=models.PROTECT, related_name="bulletins"
    )
    note = models.TextField(_("remarks"), blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("points bulletin")
        verbose_name_plural = _("points bulletins")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "platform"],
                condition=Q(voided_at__isnull=True),
                name="study_bulletin_once_per_month",
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="study_bulletin_month_on_first_day"),
        ]

    def __str__(self):
        month = f"{self.month:%Y年%m月}" if self.month else ""
        platform = self.platform if self.platform_id else ""
        return f"{month}{platform}学习积分通报"

    def get_absolute_url(self):
        return reverse("study:bulletin_detail", args=[self.pk])


def import_upload_path(instance, filename):
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"imports/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{suffix}"


class ImportJob(BaseModel):
    """One spreadsheet import that runs in the background; its page polls the progress."""

    class Kind(models.TextChoices):
        STUDY_RECORDS = "study_records", _("Study records")
        PLATFORM_POINTS = "platform_points", _("Platform points")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Imported")
        FAILED = "failed", _("Not imported")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    file = models.FileField(_("file"), storage=evidence_storage, upload_to=import_upload_path, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    result = models.JSONField(_("result"), default=dict, blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.original_name}"

    def get_absolute_url(self):
        return reverse("study:import_job", args=[self.pk])

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        if not self.total_rows:
            return 0
        return min(100, self.processed_rows * 100 // self.total_rows)

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)
