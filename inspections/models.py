"""Inspections and their rectification: findings, tasks, close-out, extensions, long-term
mechanisms and self-inspection checklists."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ideology_office.accounts.models import OrgUnit
from ideology_office.common.models import BaseModel, DecidedRequest, VoidableModel


class FindingCategory(BaseModel):
    """政治方向, 舆论导向, 价值取向 and whatever else the office adds: data, editable in the admin."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("finding category")
        verbose_name_plural = _("finding categories")
        ordering = ["sort_order", "name"]

    def __str__(self):
        return self.name


class ChecklistTemplate(BaseModel):
    """A self-inspection checklist (data): items grouped by category."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ChecklistItem(BaseModel):
    template = models.ForeignKey(
        ChecklistTemplate,
        verbose_name=_("checklist template"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    category = models.ForeignKey(FindingCategory, verbose_name=_("category"), on_delete=models.PROTECT)
    text = models.CharField(_("check point"), max_length=300)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        ordering = ["template", "category__sort_order", "sort_order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["template", "text"], name="inspections_item_unique_text"),
        ]

    def __str__(self):
        return self.text


class Inspection(VoidableModel):
    """One inspection or supervision whose feedback lists findings (问题清单)."""

    class Source(models.TextChoices):
        PROVINCIAL_TOUR = "provincial_tour", _("Provincial inspection tour feedback")
        CIRCUIT = "circuit", _("Circuit inspection")
        COUNTY_SUPERVISION = "county_supervision", _("County committee supervision")
        SELF_INSPECTION = "self_inspection", _("Self-inspection")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Rectifying")
        CLOSED = "closed", _("Closed")

    source = models.CharField(_("source"), max_length=30, choices=Source.choices)
    title = models.CharField(_("inspection title"), max_length=200)
    date = models.DateField(_("date"), help_text=_("The date of the feedback or of the check."))
    description = models.TextField(_("description"), blank=True)
    checklist = models.ForeignKey(
        ChecklistTemplate,
        verbose_name=_("checklist template"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspections",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, editable=False
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["-date", "-pk"]
        # The summaries (common/rollups.py) recount a month by this date on every write.
        indexes = [models.Index(fields=["date"], name="inspections_inspection_date")]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "title"],
                name="inspections_inspection_unique_title",
                violation_error_message=_("An inspection of this source with this title already exists."),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("inspections:inspection_detail", args=[self.pk])

    @property
    def is_self_inspection(self) -> bool:
        return self.source == self.Source.SELF_INSPECTION


class Finding(VoidableModel):
    """One problem (问题) of an inspection's feedback."""

    class Status(models.TextChoices):
        OPEN = "open", _("Rectifying")
        CLOSED = "closed", _("Closed")

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.PROTECT, related_name="findings"
    )
    number = models.PositiveIntegerField(_("number"), editable=False)
    category = models.ForeignKey(FindingCategory, verbose_name=_("category"), on_delete=models.PROTECT)
    description = models.TextField(_("problem"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, editable=False
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["inspection", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspection", "number"], name="inspections_finding_unique_number"
            ),
        ]

    def __str__(self):
        return f"{self.number}. {self.description[:60]}"

    def get_absolute_url(self):
        return reverse("inspections:finding_detail", args=[self.pk])


class RectificationTask(VoidableModel):
    """One rectification measure (整改措施) under a finding, owned by one responsible person."""

    class Kind(models.TextChoices):
        BY_DEADLINE = "by_deadline", _("Complete by the deadline")
        ONGOING = "ongoing", _("Keep up long-term")

    class State(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("Rectifying")
        AWAITING_ACCEPTANCE = "awaiting_acceptance", _("Awaiting acceptance")
        CLOSED = "closed", _("Closed out")

    finding = models.ForeignKey(
        Finding, verbose_name=_("finding"), on_delete=models.PROTECT, related_name="tasks"
    )
    measure = models.TextField(_("rectification measure"))
    responsible_leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible leader"),
        on_delete=models.PROTECT,
        related_name="inspection_tasks_led",
    )
    responsible_unit = models.ForeignKey(
        OrgUnit, verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="inspection_tasks"
    )
    responsible_person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person responsible"),
        on_delete=models.PROTECT,
        related_name="inspection_tasks",
    )
    deadline = models.DateField(_("deadline"))
    original_deadline = models.DateField(_("original deadline"), editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.BY_DEADLINE)
    state = models.CharField(
        _("state"), max_length=30, choices=State.choices, default=State.NOT_STARTED, editable=False
    )
    progress = models.TextField(_("progress"), blank=True, editable=False)
    closed_at = models.DateTimeField(_("closed out at"), null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed out by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    close_note = models.TextField(_("close-out note"), blank=True, editable=False)

    class Meta:
        verbose_name = _("rectification task")
        verbose_name_plural = _("rectification tasks")
        ordering = ["finding__inspection", "finding__number", "pk"]
        permissions = [("update_progress", _("Can update the progress of this rectification task"))]
        indexes = [
            models.Index(fields=["state", "deadline"], name="inspections_task_state_due"),
            # The dashboard's overdue and due-soon lists: the open tasks in deadline order, the
            # first eight read from the index instead of sorting every open task.
            models.Index(
                fields=["deadline", "id"],
                condition=models.Q(voided_at__isnull=True) & ~models.Q(state="closed"),
                name="inspections_task_open_due",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state="closed", closed_at__isnull=False)
                | (~models.Q(state="closed") & models.Q(closed_at__isnull=True)),
                name="inspections_task_closed_has_time",
            ),
        ]

    def __str__(self):
        return self.measure[:80]

    def get_absolute_url(self):
        return reverse("inspections:task_detail", args=[self.pk])

    @property
    def is_closed(self) -> bool:
        return self.state == self.State.CLOSED

    @property
    def is_overdue(self) -> bool:
        if self.is_closed:
            return timezone.localdate(self.closed_at) > self.deadline
        return self.deadline < timezone.localdate()


class TaskEvent(BaseModel):
    """One step in a task's history: progress, submission, return, close-out, reopening,
    reassignment. The note is what the person wrote at that step."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        PROGRESS = "progress", _("Progress update")
        SUBMITTED = "submitted", _("Submitted for acceptance")
        RETURNED = "returned", _("Returned")
        CLOSED = "closed", _("Closed out")
        REOPENED = "reopened", _("Reopened")
        REASSIGNED = "reassigned", _("Reassigned")
        EXTENDED = "extended", _("Deadline extended")

    task = models.ForeignKey(
        RectificationTask,
        verbose_name=_("rectification task"),
        on_delete=models.CASCADE,
        related_name="events",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(_("note"), blank=True)
    from_state = models.CharField(_("from state"), max_length=30, blank=True)
    to_state = models.CharField(_("to state"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("task event")
        verbose_name_plural = _("task events")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d}"


class Extension(DecidedRequest):
    """A request to move a task's deadline; a leader decides. The deadline before the request
    stays on record here, whatever happens after."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    task = models.ForeignKey(
        RectificationTask,
        verbose_name=_("rectification task"),
        on_delete=models.PROTECT,
        related_name="extensions",
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    original_deadline = models.DateField(_("deadline before the request"))
    requested_deadline = models.DateField(_("requested deadline"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)

    class Meta:
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(requested_deadline__gt=models.F("original_deadline")),
                name="inspections_extension_moves_later",
            ),
        ]

    def __str__(self):
        return f"{self.original_deadline} → {self.requested_deadline}"


class Mechanism(VoidableModel):
    """A long-term mechanism (长效机制): a rule or system set up so that a problem stays fixed."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    document_number = models.CharField(_("document number"), max_length=100, blank=True)
    adopted_on = models.DateField(_("date adopted"))
    description = models.TextField(_("content"), blank=True)
    findings = models.ManyToManyField(
        Finding,
        verbose_name=_("findings answered"),
        through="MechanismFinding",
        related_name="mechanisms",
    )

    class Meta:
        verbose_name = _("long-term mechanism")
        verbose_name_plural = _("long-term mechanisms")
        ordering = ["-adopted_on", "-pk"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("inspections:mechanism_detail", args=[self.pk])


class MechanismFinding(BaseModel):
    mechanism = models.ForeignKey(Mechanism, verbose_name=_("long-term mechanism"), on_delete=models.CASCADE)
    finding = models.ForeignKey(Finding, verbose_name=_("finding"), on_delete=models.PROTECT)

    class Meta:
        verbose_name = _("finding answered")
        verbose_name_plural = _("findings answered")
        constraints = [
            models.UniqueConstraint(
                fields=["mechanism", "finding"], name="inspections_mechanism_finding_once"
            ),
        ]

    def __str__(self):
        return f"{self.mechanism} ↔ {self.finding}"


class ChecklistResult(BaseModel):
    """The result of one checklist item in one self-inspection."""

    class Outcome(models.TextChoices):
        PENDING = "pending", _("Not yet checked")
        PASSED = "passed", _("No problem")
        PROBLEM = "problem", _("Problem found")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("self-inspection"), on_delete=models.CASCADE, related_name="results"
    )
    item = models.ForeignKey(ChecklistItem, verbose_name=_("check point"), on_delete=models.PROTECT)
    outcome = models.CharField(_("result"), max_length=20, choices=Outcome.choices, default=Outcome.PENDING)
    note = models.TextField(_("note"), blank=True)
    finding = models.OneToOneField(
        Finding,
        verbose_name=_("finding"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="checklist_result",
    )

    class Meta:
        verbose_name = _("checklist result")
        verbose_name_plural = _("checklist results")
        ordering = ["inspection", "item__category__sort_order", "item__sort_order", "item__pk"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="inspections_result_once_per_item"),
        ]

    def __str__(self):
        return f"{self.item}: {self.get_outcome_display()}"
