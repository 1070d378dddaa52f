"""Records of the office's ideology-work responsibility (seed part 一、(一)): the leading group,
dual-duty assignments, office meetings, annual work priorities and the annual assessment."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ideology_office.accounts.models import OrgUnit
from ideology_office.common.models import BaseModel, VoidableModel

ACTIVE = Q(voided_at__isnull=True)


class LeadingGroupMembership(VoidableModel):
    """One person's place in the 意识形态工作领导小组 for a period. A change of the group (调整充实)
    ends a membership and/or starts one, each with its reason, so every past composition remains."""

    class Role(models.TextChoices):
        LEADER = "leader", _("Group leader")
        DEPUTY = "deputy", _("Deputy group leader")
        MEMBER = "member", _("Member")
        OFFICE_DIRECTOR = "office_director", _("Director of the group's office")

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="leading_group_memberships",
    )
    role = models.CharField(_("role in the group"), max_length=20, choices=Role.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    start_reason = models.TextField(_("reason for joining"))
    end_reason = models.TextField(_("reason for leaving"), blank=True)
    # The post the person held on joining: a later change of post flags the group for adjustment.
    title_at_joining = models.CharField(_("title on joining"), max_length=50, blank=True)
    section_at_joining = models.ForeignKey(
        OrgUnit,
        verbose_name=_("section on joining"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("leading group membership")
        verbose_name_plural = _("leading group memberships")
        ordering = ["start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="responsibility_membership_end_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.person} · {self.get_role_display()}"

    def get_absolute_url(self):
        return reverse("responsibility:membership_detail", args=[self.pk])

    def is_current_on(self, day) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)


class DutyAssignment(VoidableModel):
    """一岗双责 for one leadership member and one year: areas in charge, duties and the letter."""

    year = models.PositiveSmallIntegerField(_("year"))
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("leadership member"),
        on_delete=models.PROTECT,
        related_name="duty_assignments",
    )
    is_principal = models.BooleanField(
        _("principal leader"), default=False, help_text=_("The main responsible person (主要领导).")
    )
    sections = models.ManyToManyField(
        OrgUnit,
        verbose_name=_("sections in charge"),
        through="DutyAssignmentSection",
        related_name="duty_assignments",
        blank=True,
    )
    fields_in_charge = models.CharField(_("fields in charge"), max_length=200, blank=True)
    duties = models.TextField(_("duty list"), blank=True, help_text=_("One duty per line."))
    letter_signed_on = models.DateField(_("responsibility letter signed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("dual-duty assignment")
        verbose_name_plural = _("dual-duty assignments")
        ordering = ["-year", "-is_principal", "leader__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "leader"], condition=ACTIVE, name="responsibility_one_assignment_per_year"
            ),
        ]

    def __str__(self):
        return f"{self.year} · {self.leader}"

    def get_absolute_url(self):
        return reverse("responsibility:assignment_detail", args=[self.pk])

    @property
    def duty_lines(self) -> list[str]:
        return [line.strip() for line in self.duties.splitlines() if line.strip()]


class DutyAssignmentSection(BaseModel):
    assignment = models.ForeignKey(DutyAssignment, on_delete=models.CASCADE, related_name="section_links")
    section = models.ForeignKey(OrgUnit, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("section in charge")
        verbose_name_plural = _("sections in charge")
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "section"], name="responsibility_assignment_section"
            )
        ]

    def __str__(self):
        return str(self.section_id)


class OfficeMeeting(VoidableModel):
    """A 室务会: who chaired and attended, the ordered agenda, decisions and follow-up actions."""

    date = models.DateField(_("meeting date"))
    title = models.CharField(_("subject"), max_length=200)
    place = models.CharField(_("place"), max_length=100)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("chair"), on_delete=models.PROTECT, related_name="+"
    )
    section = models.ForeignKey(
        OrgUnit,
        verbose_name=_("recorded by section"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The section that keeps this meeting's record."),
    )
    on_ideology = models.BooleanField(_("dedicated to ideology work"), default=False)
    decisions = models.TextField(_("decisions"), blank=True)

    class Meta:
        verbose_name = _("office meeting")
        verbose_name_plural = _("office meetings")
        ordering = ["-date", "-pk"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.title}"

    def get_absolute_url(self):
        return reverse("responsibility:meeting_detail", args=[self.pk])


class MeetingAttendance(BaseModel):
    class Status(models.TextChoices):
        PRESENT = "present", _("Present")
        ABSENT = "absent", _("Absent")
        OBSERVER = "observer", _("Attending without vote")

    meeting = models.ForeignKey(OfficeMeeting, on_delete=models.CASCADE, related_name="attendances")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("attendance at the meeting"), max_length=10, choices=Status.choices, default=Status.PRESENT
    )
    absence_reason = models.CharField(_("reason for absence"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("attendance at the meeting")
        verbose_name_plural = _("attendance at the meeting")
        ordering = ["status", "person__username"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "person"], name="responsibility_attendance_once"),
            models.CheckConstraint(
                condition=~Q(status="absent") | ~Q(absence_reason=""),
                name="responsibility_absence_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.person} · {self.get_status_display()}"


class AgendaItem(BaseModel):
    class Kind(models.TextChoices):
        ORDINARY = "ordinary", _("Ordinary item")
        FIRST_TOPIC = "first_topic", _("First-agenda study (第一议题学习)")

    meeting = models.ForeignKey(OfficeMeeting, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveSmallIntegerField(_("number in order"), validators=[MinValueValidator(1)])
    kind = models.CharField(_("type of item"), max_length=20, choices=Kind.choices, default=Kind.ORDINARY)
    title = models.CharField(_("agenda item"), max_length=300)
    material = models.TextField(
        _("material studied"), blank=True, help_text=_("For a first-agenda study: the speech or document.")
    )
    study_session = models.ForeignKey(
        "study.StudySession",
        verbose_name=_("session in the study ledger"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="office_meeting_agenda_items",
        help_text=_("For a first-agenda study: the same study as recorded in the study ledger."),
    )

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        ordering = ["meeting", "position"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "position"], name="responsibility_agenda_position"),
            models.CheckConstraint(
                condition=~Q(kind="first_topic") | Q(position=1),
                name="responsibility_first_topic_is_item_one",
            ),
            models.CheckConstraint(
                condition=Q(study_session__isnull=True) | Q(kind="first_topic"),
                name="responsibility_study_link_only_for_first_topic",
            ),
        ]

    def __str__(self):
        return f"{self.position}. {self.title}"


class FollowUpAction(VoidableModel):
    """A task decided at a meeting, with an owner and a deadline, tracked to done."""

    class Status(models.TextChoices):
        OPEN = "open", _("Not yet done")
        DONE = "done", _("Done")

    meeting = models.ForeignKey(
        OfficeMeeting, verbose_name=_("office meeting"), on_delete=models.PROTECT, related_name="follow_ups"
    )
    description = models.TextField(_("action to follow up"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person responsible for the action"),
        on_delete=models.PROTECT,
        related_name="meeting_follow_ups",
    )
    deadline = models.DateField(_("deadline"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True)

    class Meta:
        verbose_name = _("follow-up action")
        verbose_name_plural = _("follow-up actions")
        ordering = ["status", "deadline", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open", done_on__isnull=True) | Q(status="done", done_on__isnull=False),
                name="responsibility_follow_up_done_has_date",
            ),
        ]

    def __str__(self):
        return self.description[:60]

    def get_absolute_url(self):
        return reverse("responsibility:meeting_detail", args=[self.meeting_id]) + f"#follow-up-{self.pk}"


class WorkPriority(VoidableModel):
    """One item of the year's 年度工作要点."""

    year = models.PositiveSmallIntegerField(_("year"))
    position = models.PositiveSmallIntegerField(_("number in order"), default=1)
    text = models.TextField(_("work priority"))
    concerns_ideology = models.BooleanField(_("concerns ideology work"), default=False)

    class Meta:
        verbose_name = _("annual work priority")
        verbose_name_plural = _("annual work priorities")
        ordering = ["-year", "position", "pk"]

    def __str__(self):
        return f"{self.year} · {self.text[:40]}"

    def get_absolute_url(self):
        return reverse("responsibility:priority_list") + f"?year={self.year}"


class AssessmentScheme(VoidableModel):
    """A 考核细则 for one year: its items are data, written by admins or copied from last year."""

    year = models.PositiveSmallIntegerField(_("year"))
    name = models.CharField(_("name"), max_length=200)
    excellent_from = models.DecimalField(_("优秀 from"), max_digits=6, decimal_places=2, default=Decimal(90))
    good_from = models.DecimalField(_("良好 from"), max_digits=6, decimal_places=2, default=Decimal(80))
    fair_from = models.DecimalField(_("一般 from"), max_digits=6, decimal_places=2, default=Decimal(60))
    bonus_cap = models.DecimalField(
        _("bonus cap"), max_digits=6, decimal_places=2, default=Decimal(0), validators=[MinValueValidator(0)]
    )
    copied_from = models.ForeignKey(
        "self",
        verbose_name=_("copied from"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("assessment scheme")
        verbose_name_plural = _("assessment schemes")
        ordering = ["-year", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "name"], condition=ACTIVE, name="responsibility_scheme_unique"
            ),
            models.CheckConstraint(
                condition=Q(excellent_from__gt=F("good_from")) & Q(good_from__gt=F("fair_from")),
                name="responsibility_scheme_grades_ordered",
            ),
        ]

    def __str__(self):
        return f"{self.year} · {self.name}"

    def get_absolute_url(self):
        return reverse("responsibility:scheme_detail", args=[self.pk])


class SchemeItem(BaseModel):
    class Kind(models.TextChoices):
        SCORED = "scored", _("Scored item")
        VETO = "veto", _("Veto item (一票否决)")
        BONUS = "bonus", _("Bonus item")

    class Period(models.TextChoices):
        MONTH = "month", _("per month")
        QUARTER = "quarter", _("per quarter")
        YEAR = "year", _("per year")

    class Mode(models.TextChoices):
        AT_LEAST = "at_least", _("at least")
        AT_MOST = "at_most", _("at most")

    scheme = models.ForeignKey(
        AssessmentScheme, verbose_name=_("scheme"), on_delete=models.CASCADE, related_name="items"
    )
    position = models.PositiveSmallIntegerField(_("number in order"))
    heading = models.CharField(_("section heading"), max_length=100)
    kind = models.CharField(_("type of item"), max_length=10, choices=Kind.choices, default=Kind.SCORED)
    requirement = models.TextField(_("content and requirement"))
    max_points = models.DecimalField(
        _("points available"),
        max_digits=6,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
    )
    deduction_rule = models.TextField(_("scoring standard"), blank=True)
    # The automatic count rule: which countable records, narrowed how, how many per period.
    count_key = models.CharField(_("counted records"), max_length=100, blank=True)
    count_filters = models.JSONField(_("count filters"), default=dict, blank=True)
    count_mode = models.CharField(_("count rule"), max_length=10, choices=Mode.choices, blank=True)
    count_required = models.PositiveSmallIntegerField(_("required number"), null=True, blank=True)
    count_period = models.CharField(_("counting period"), max_length=10, choices=Period.choices, blank=True)
    points_per_miss = models.DecimalField(
        _("points off per missing or extra record"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )

    class Meta:
        verbose_name = _("scheme item")
        verbose_name_plural = _("scheme items")
        ordering = ["scheme", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "position"], name="responsibility_scheme_item_position"
            ),
        ]

    def __str__(self):
        return f"{self.position}. {self.requirement[:40]}"

    @property
    def is_automatic(self) -> bool:
        return bool(self.count_key)


class Assessment(VoidableModel):
    """A scheme applied to a section, a leader or a county unit for the scheme's year."""

    class TargetKind(models.TextChoices):
        SECTION = "section", _("Section")
        LEADER = "leader", _("Leadership member")
        COUNTY_UNIT = "county_unit", _("County unit")

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")

    class Grade(models.TextChoices):
        EXCELLENT = "excellent", "优秀"
        GOOD = "good", "良好"
        FAIR = "fair", "一般"
        POOR = "poor", "较差"

    scheme = models.ForeignKey(
        AssessmentScheme, verbose_name=_("scheme"), on_delete=models.PROTECT, related_name="assessments"
    )
    target_kind = models.CharField(_("assessed"), max_length=20, choices=TargetKind.choices)
    target_unit = models.ForeignKey(
        OrgUnit,
        verbose_name=_("assessed unit"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    target_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessed person"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assessor"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.IN_PROGRESS)
    total = models.DecimalField(_("total"), max_digits=6, decimal_places=2, null=True, blank=True)
    grade = models.CharField(_("grade"), max_length=10, choices=Grade.choices, blank=True)
    vetoed = models.BooleanField(_("vetoed"), default=False)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-scheme__year", "target_kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(target_kind="leader", target_person__isnull=False, target_unit__isnull=True))
                | (
                    Q(
                        target_kind__in=["section", "county_unit"],
                        target_unit__isnull=False,
                        target_person__isnull=True,
                    )
                ),
                name="responsibility_assessment_one_target",
            ),
        ]

    def __str__(self):
        return f"{self.scheme.year} · {self.target}"

    def get_absolute_url(self):
        return reverse("responsibility:assessment_detail", args=[self.pk])

    @property
    def target(self):
        return self.target_person if self.target_kind == self.TargetKind.LEADER else self.target_unit


class AssessmentScore(BaseModel):
    """One line of a score sheet: the pre-filled score with what it counted, and the assessor's word."""

    class Source(models.TextChoices):
        COUNTED = "counted", _("Counted from the records")
        NOT_CONNECTED = "not_connected", _("Data source not connected")
        MANUAL = "manual", _("Scored by the assessor")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    item = models.ForeignKey(SchemeItem, on_delete=models.PROTECT, related_name="+")
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    auto_score = models.DecimalField(
        _("pre-filled score"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    counted_total = models.PositiveIntegerField(_("records counted"), null=True, blank=True)
    counted_ids = models.JSONField(_("counted records"), default=list, blank=True)
    count_note = models.CharField(_("count"), max_length=300, blank=True)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    veto_triggered = models.BooleanField(_("veto triggered"), default=False)
    reason = models.TextField(_("explanation"), blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["assessment", "item__position"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="responsibility_score_once"),
        ]

    def __str__(self):
        return f"{self.item_id}: {self.score}"
