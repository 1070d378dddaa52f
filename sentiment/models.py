"""Public opinion work: incidents handled in time, the 24-hour duty roster with its log and
information reports, and the quarterly opinion reviews with their risk items."""

import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ideology_office.common.models import BaseModel, DecidedRequest, VoidableModel


class Severity(models.TextChoices):
    MAJOR = "major", _("Major")
    SERIOUS = "serious", _("Serious")
    GENERAL = "general", _("General")


class Field(models.TextChoices):
    ECONOMY = "economy", _("Economic development")
    STABILITY = "stability", _("Social stability")
    LIVELIHOOD = "livelihood", _("People's livelihood")
    OTHER = "other", _("Other fields")


class SeverityTimeLimit(BaseModel):
    """How many minutes an incident of one severity may take to be reported and to be handled.
    Incidents copy the limits when recorded, so a later change does not rewrite history."""

    severity = models.CharField(_("severity"), max_length=20, choices=Severity, unique=True)
    report_within_minutes = models.PositiveIntegerField(_("report within (minutes)"))
    handle_within_minutes = models.PositiveIntegerField(_("handle within (minutes)"))

    class Meta:
        verbose_name = _("time limit per severity")
        verbose_name_plural = _("time limits per severity")
        ordering = ["report_within_minutes"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(report_within_minutes__gt=0, handle_within_minutes__gt=0),
                name="sentiment_limit_positive",
            ),
        ]

    def __str__(self):
        return f"{self.get_severity_display()}"


class OpinionIncident(VoidableModel):
    """A 苗头性、倾向性问题: found, reported and handled, each to the minute."""

    class Source(models.TextChoices):
        ONLINE = "online", _("Online platform")
        CAC_NOTICE = "cac_notice", _("Cyberspace administration notice")
        PUBLIC_REPORT = "public_report", _("Report from the public")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        FOUND = "found", _("Found, not yet reported")
        REPORTED = "reported", _("Reported, being handled")
        HANDLED = "handled", _("Handled")

    found_at = models.DateTimeField(_("found at"), db_index=True)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    field = models.CharField(_("field"), max_length=20, choices=Field)
    summary = models.TextField(_("summary"))
    severity = models.CharField(_("severity"), max_length=20, choices=Severity)
    links = models.TextField(_("links"), blank=True, help_text=_("One address per line."))
    reported_at = models.DateTimeField(_("reported at"), null=True, blank=True)
    reported_to = models.CharField(_("reported to"), max_length=200, blank=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    measures = models.TextField(_("measures"), blank=True)
    result = models.TextField(_("result"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.FOUND)
    report_limit_minutes = models.PositiveIntegerField(_("report limit (minutes)"), editable=False)
    handle_limit_minutes = models.PositiveIntegerField(_("handling limit (minutes)"), editable=False)

    class Meta:
        verbose_name = _("opinion incident")
        verbose_name_plural = _("opinion incidents")
        ordering = ["-found_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reported_at__isnull=True)
                | models.Q(reported_at__gte=models.F("found_at")),
                name="sentiment_incident_reported_after_found",
                violation_error_message=_("It cannot have been reported before it was found."),
            ),
            models.CheckConstraint(
                condition=models.Q(handled_at__isnull=True) | models.Q(handled_at__gte=models.F("found_at")),
                name="sentiment_incident_handled_after_found",
                violation_error_message=_("It cannot have been handled before it was found."),
            ),
        ]

    def __str__(self):
        return f"{timezone.localtime(self.found_at):%Y-%m-%d %H:%M} {self.summary[:30]}"

    def get_absolute_url(self):
        return reverse("sentiment:incident_detail", args=[self.pk])

    @property
    def minutes_to_report(self) -> int | None:
        return _minutes_between(self.found_at, self.reported_at)

    @property
    def minutes_to_handle(self) -> int | None:
        return _minutes_between(self.found_at, self.handled_at)

    @property
    def reported_in_time(self) -> bool | None:
        minutes = self.minutes_to_report
        return None if minutes is None else minutes <= self.report_limit_minutes

    @property
    def handled_in_time(self) -> bool | None:
        minutes = self.minutes_to_handle
        return None if minutes is None else minutes <= self.handle_limit_minutes

    @property
    def minutes_open(self) -> int:
        """Minutes since it was found, up to now."""
        return _minutes_between(self.found_at, timezone.now())

    @property
    def report_overdue(self) -> bool:
        """Not reported, and its limit has passed: already late, before anyone records a report."""
        return (
            self.reported_at is None and not self.is_voided and self.minutes_open > self.report_limit_minutes
        )

    @property
    def handle_overdue(self) -> bool:
        return (
            self.handled_at is None and not self.is_voided and self.minutes_open > self.handle_limit_minutes
        )


def _minutes_between(start, end) -> int | None:
    if start is None or end is None:
        return None
    return int((end - start).total_seconds() // 60)


class CalendarDay(BaseModel):
    """A day that breaks the Monday–Friday week: a public holiday, or a make-up working day (调休)
    that falls on a weekend."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday")
        MAKEUP_WORKDAY = "makeup_workday", _("Make-up working day")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=50, help_text=_("The holiday, e.g. 春节."))

    class Meta:
        verbose_name = _("holiday or make-up working day")
        verbose_name_plural = _("holidays and make-up working days")
        ordering = ["date"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}（{self.get_kind_display()}）"


class RotationPattern(BaseModel):
    """The rule a draft roster is generated from: who rotates, from what time, for how long."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    start_time = models.TimeField(_("shift start time"), default=datetime.time(8, 30))
    shift_hours = models.PositiveSmallIntegerField(
        _("shift length (hours)"), default=24, help_text=_("24 divided by this must be a whole number.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("rotation pattern")
        verbose_name_plural = _("rotation patterns")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(shift_hours__in=[1, 2, 3, 4, 6, 8, 12, 24]),
                name="sentiment_pattern_hours_divide_day",
            )
        ]

    def __str__(self):
        return self.name


class RotationMember(BaseModel):
    """One place in a pattern's rotation: a duty officer or a leader, for working days or rest days."""

    class Duty(models.TextChoices):
        OFFICER = "officer", _("Duty officer")
        LEADER = "leader", _("Leader on duty")

    class DayKind(models.TextChoices):
        WORKDAY = "workday", _("Working days")
        RESTDAY = "restday", _("Weekends and holidays")

    pattern = models.ForeignKey(
        RotationPattern, verbose_name=_("pattern"), on_delete=models.CASCADE, related_name="members"
    )
    duty = models.CharField(_("duty"), max_length=10, choices=Duty.choices)
    day_kind = models.CharField(_("days"), max_length=10, choices=DayKind.choices)
    position = models.PositiveSmallIntegerField(_("order"))
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("rotation member")
        verbose_name_plural = _("rotation members")
        ordering = ["pattern", "duty", "day_kind", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["pattern", "duty", "day_kind", "position"], name="sentiment_rotation_unique_position"
            )
        ]

    def __str__(self):
        return f"{self.get_duty_display()} {self.position}: {self.person}"


class DutyRoster(BaseModel):
    """One month of shifts: a draft until a leader publishes it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    month = models.DateField(_("month"), unique=True, help_text=_("The first day of the month."))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    pattern = models.ForeignKey(
        RotationPattern, verbose_name=_("pattern"), on_delete=models.PROTECT, null=True, blank=True
    )
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
        verbose_name = _("duty roster")
        verbose_name_plural = _("duty rosters")
        ordering = ["-month"]
        constraints = [
            models.CheckConstraint(condition=models.Q(month__day=1), name="sentiment_roster_first_of_month")
        ]

    def __str__(self):
        return f"{self.month:%Y-%m}"

    def get_absolute_url(self):
        return reverse("sentiment:roster_month", args=[self.month.year, self.month.month])


class DutyShift(BaseModel):
    """One shift: from start to end, a duty officer (值班员) and a leader on duty (带班领导)."""

    roster = models.ForeignKey(
        DutyRoster, verbose_name=_("roster"), on_delete=models.CASCADE, related_name="shifts"
    )
    start = models.DateTimeField(_("start"), db_index=True)
    end = models.DateTimeField(_("end"), db_index=True)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("duty officer"), on_delete=models.PROTECT, related_name="+"
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("leader on duty"), on_delete=models.PROTECT, related_name="+"
    )
    phone = models.CharField(_("duty phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("duty shift")
        verbose_name_plural = _("duty shifts")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")),
                name="sentiment_shift_ends_after_start",
                violation_error_message=_("A shift must end after it starts."),
            ),
            models.UniqueConstraint(fields=["roster", "start"], name="sentiment_shift_unique_start"),
        ]

    def __str__(self):
        return f"{timezone.localtime(self.start):%Y-%m-%d %H:%M} {self.officer}"

    def get_absolute_url(self):
        return reverse("sentiment:shift_detail", args=[self.pk])


class ShiftSwap(DecidedRequest):
    """A request that another person stand a shift, optionally taking one of theirs in exchange.
    It changes nothing until a leader approves it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    shift = models.ForeignKey(
        DutyShift, verbose_name=_("shift"), on_delete=models.PROTECT, related_name="swaps"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    counterpart = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("takes the shift"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    counterpart_shift = models.ForeignKey(
        DutyShift,
        verbose_name=_("shift given in exchange"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)

    class Meta:
        verbose_name = _("shift swap")
        verbose_name_plural = _("shift swaps")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.shift} → {self.counterpart}"


class ShiftReassignment(BaseModel):
    """A leader's change of who stands a shift, with the reason: the shift's history."""

    shift = models.ForeignKey(
        DutyShift, verbose_name=_("shift"), on_delete=models.PROTECT, related_name="reassignments"
    )
    duty = models.CharField(_("duty"), max_length=10, choices=RotationMember.Duty.choices)
    previous_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("previously"), on_delete=models.PROTECT, related_name="+"
    )
    new_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("now"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("shift reassignment")
        verbose_name_plural = _("shift reassignments")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.shift}: {self.previous_person} → {self.new_person}"


class Handover(BaseModel):
    """交接班 at the end of a shift: the outgoing officer writes the open items, the incoming
    officer (of the next shift) accepts."""

    shift = models.OneToOneField(
        DutyShift, verbose_name=_("outgoing shift"), on_delete=models.PROTECT, related_name="handover"
    )
    open_items = models.TextField(_("open items"))
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("written by"), on_delete=models.PROTECT, related_name="+"
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accepted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        ordering = ["-shift__start"]

    def __str__(self):
        return f"{self.shift}"


class DutyLogEntry(BaseModel):
    """One line of a shift's duty log."""

    shift = models.ForeignKey(
        DutyShift, verbose_name=_("shift"), on_delete=models.PROTECT, related_name="log_entries"
    )
    at = models.DateTimeField(_("time"))
    content = models.TextField(_("content"))

    class Meta:
        verbose_name = _("duty log entry")
        verbose_name_plural = _("duty log entries")
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{timezone.localtime(self.at):%Y-%m-%d %H:%M} {self.content[:30]}"


class InformationReport(VoidableModel):
    """信息报送: what was sent during a shift, to whom, at what minute."""

    shift = models.ForeignKey(
        DutyShift, verbose_name=_("shift"), on_delete=models.PROTECT, related_name="information_reports"
    )
    sent_at = models.DateTimeField(_("sent at"), db_index=True)
    recipient = models.CharField(_("sent to"), max_length=200)
    content = models.TextField(_("content"))
    incident = models.ForeignKey(
        OpinionIncident,
        verbose_name=_("incident"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="information_reports",
    )

    class Meta:
        verbose_name = _("information report")
        verbose_name_plural = _("information reports")
        ordering = ["-sent_at", "-pk"]

    def __str__(self):
        return f"{timezone.localtime(self.sent_at):%Y-%m-%d %H:%M} → {self.recipient}"


class DutyFeedToken(BaseModel):
    """The secret in a person's calendar feed address. Regenerating it cuts off old subscriptions."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="duty_feed_token",
    )
    token = models.CharField(_("token"), max_length=64, unique=True)

    # Whoever reads the token opens the person's feed: the audit trail records that it changed, never
    # its value (the name alone would already be masked; said here so that a rename keeps it).
    audit_secret_fields = ("token",)

    class Meta:
        verbose_name = _("calendar feed token")
        verbose_name_plural = _("calendar feed tokens")

    def __str__(self):
        return str(self.person)


class RiskLevel(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class RiskMatrix(BaseModel):
    """A likelihood × impact scale with a level for each cell. A review keeps the matrix it used,
    so a new scale never changes an old review's levels."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    likelihood_levels = models.PositiveSmallIntegerField(_("likelihood levels"))
    impact_levels = models.PositiveSmallIntegerField(_("impact levels"))
    is_current = models.BooleanField(_("used for new reviews"), default=False)

    class Meta:
        verbose_name = _("risk matrix")
        verbose_name_plural = _("risk matrices")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(likelihood_levels__gte=2, likelihood_levels__lte=10)
                & models.Q(impact_levels__gte=2, impact_levels__lte=10),
                name="sentiment_matrix_size",
            )
        ]

    def __str__(self):
        return self.name


class RiskMatrixCell(BaseModel):
    matrix = models.ForeignKey(
        RiskMatrix, verbose_name=_("matrix"), on_delete=models.CASCADE, related_name="cells"
    )
    likelihood = models.PositiveSmallIntegerField(_("likelihood"))
    impact = models.PositiveSmallIntegerField(_("impact"))
    level = models.CharField(_("level"), max_length=10, choices=RiskLevel)

    class Meta:
        verbose_name = _("risk matrix cell")
        verbose_name_plural = _("risk matrix cells")
        ordering = ["matrix", "likelihood", "impact"]
        constraints = [
            models.UniqueConstraint(
                fields=["matrix", "likelihood", "impact"], name="sentiment_matrix_unique_cell"
            )
        ]

    def __str__(self):
        return f"{self.likelihood}×{self.impact}"


class OpinionReview(VoidableModel):
    """舆情分析研判会: one per quarter."""

    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), choices=[(1, _("Q1")), (2, _("Q2")), (3, _("Q3")), (4, _("Q4"))]
    )
    held_on = models.DateField(_("meeting date"))
    matrix = models.ForeignKey(
        RiskMatrix, verbose_name=_("risk matrix"), on_delete=models.PROTECT, related_name="+"
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("attendees"),
        through="ReviewAttendee",
        through_fields=("review", "person"),
        related_name="+",
    )
    reviewed = models.TextField(_("what was reviewed"))
    conclusions = models.TextField(_("conclusions"))

    class Meta:
        verbose_name = _("quarterly opinion review")
        verbose_name_plural = _("quarterly opinion reviews")
        ordering = ["-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "quarter"],
                condition=models.Q(voided_at__isnull=True),
                name="sentiment_one_review_per_quarter",
            )
        ]

    def __str__(self):
        return f"{self.year}年第{self.quarter}季度"

    def get_absolute_url(self):
        return reverse("sentiment:review_detail", args=[self.pk])


class ReviewAttendee(BaseModel):
    review = models.ForeignKey(OpinionReview, verbose_name=_("review"), on_delete=models.CASCADE)
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("attendee")
        verbose_name_plural = _("attendees")
        constraints = [models.UniqueConstraint(fields=["review", "person"], name="sentiment_attendee_once")]

    def __str__(self):
        return str(self.person)


class RiskItem(VoidableModel):
    """A risk assessed at a review. A risk still open is carried to the next review as a new
    assessment linked to this one; ``origin`` names the first assessment of the chain."""

    class Status(models.TextChoices):
        OPEN = "open", _("Not yet closed")
        CONTROLLED = "controlled", _("Under control")
        CLOSED = "closed", _("Closed")

    review = models.ForeignKey(
        OpinionReview, verbose_name=_("review"), on_delete=models.PROTECT, related_name="risks"
    )
    issue = models.TextField(_("issue"))
    field = models.CharField(_("field"), max_length=20, choices=Field)
    likelihood = models.PositiveSmallIntegerField(_("likelihood"))
    impact = models.PositiveSmallIntegerField(_("impact"))
    level = models.CharField(_("level"), max_length=10, choices=RiskLevel, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT, related_name="+"
    )
    response_plan = models.TextField(_("response plan"))
    measures = models.TextField(_("measures"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    previous = models.OneToOneField(
        "self",
        verbose_name=_("previous assessment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="next_assessment",
    )
    origin = models.ForeignKey(
        "self",
        verbose_name=_("first assessment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("risk item")
        verbose_name_plural = _("risk items")
        ordering = ["review", "-likelihood", "-impact", "pk"]

    def __str__(self):
        return self.issue[:40]

    def get_absolute_url(self):
        return reverse("sentiment:risk_detail", args=[self.pk])
