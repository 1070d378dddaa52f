"""What the public-opinion area lends to the shared floor (see ideology_office.common.contracts)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ideology_office.common.contracts import DefaultRule, DrillDown, Panel, WorkArea, WorkAreaContract, lazy
from ideology_office.common.counting import CountableRecord
from ideology_office.common.scale import ScaleGenerator

from . import access, permissions, reminders
from .models import DutyRoster, DutyShift, InformationReport, OpinionIncident, OpinionReview

contract = WorkAreaContract(
    label="sentiment",
    urls="sentiment.urls",
    url_access=access.URL_ACCESS,
    work_area=WorkArea(
        "sentiment",
        _("Public opinion"),
        "sentiment:index",
        "bi-activity",
        _("Opinion incidents handled at once, the 24-hour duty roster and log, quarterly risk reviews."),
        (_("Opinion incidents"), _("Duty roster"), _("Duty log"), _("Quarterly reviews")),
    ),
    policies=permissions.register_policies,
    countables=(
        CountableRecord(
            key="sentiment.opinion_review",
            label=_("Quarterly opinion reviews"),
            queryset=lambda: OpinionReview.objects.active(),
            date_field="held_on",
        ),
        CountableRecord(
            key="sentiment.incident",
            label=_("Opinion incidents"),
            queryset=lambda: OpinionIncident.objects.active(),
            date_field="found_at",
        ),
        CountableRecord(
            key="sentiment.information_report",
            label=_("Information reports"),
            queryset=lambda: InformationReport.objects.active(),
            date_field="sent_at",
            person_field="created_by",
        ),
        CountableRecord(
            key="sentiment.duty_shift",
            label=_("Duty shifts"),
            queryset=lambda: DutyShift.objects.filter(roster__status=DutyRoster.Status.PUBLISHED),
            date_field="start",
            person_field="officer",
        ),
    ),
    reminder_sources=reminders.sources,
    default_rules=(
        DefaultRule(
            reminders.DUTY_SHIFT_START,
            "值班开始提醒",
            "-12h,-1h",
            channels="inbox,email,webhook",
            urgent=True,
        ),
        DefaultRule(
            reminders.HANDOVER_NOT_ACCEPTED, "交接班未确认提醒", "+30m", channels="inbox,webhook", urgent=True
        ),
        DefaultRule(
            reminders.QUARTER_WITHOUT_REVIEW,
            "本季度尚未召开舆情研判会",
            "-15d,-7d,-1d",
            channels="inbox,email",
        ),
        DefaultRule(
            reminders.INCIDENT_OVER_LIMIT,
            "舆情事件超过报告/处置时限",
            "0d",
            overdue_every_days=1,
            escalate_after_days=0,
            channels="inbox,email,webhook",
            urgent=True,
        ),
    ),
    report_figures=lazy("sentiment.report.report_figures"),
    ledgers=lazy("sentiment.ledgers.ledgers"),
    panels=(
        Panel("opinion", lazy("sentiment.panels.opinion_quarter")),
        Panel("incidents", lazy("sentiment.panels.incidents_by_quarter")),
        Panel("duty", lazy("sentiment.panels.duty_today")),
    ),
    drilldowns=(DrillDown("incidents", lazy("sentiment.panels.drill_incidents")),),
    my_work=(Panel("shifts", lazy("sentiment.panels.my_shifts")),),
    scale=ScaleGenerator(lazy("sentiment.scale.generate"), lazy("sentiment.scale.summary")),
    demo=lazy("sentiment.demo.seed"),
)
