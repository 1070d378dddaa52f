"""What the public-opinion area lends to the shared floor (see ideology_office.common.contracts)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ideology_office.common.contracts import DefaultRule, WorkArea, WorkAreaContract
from ideology_office.common.counting import CountableRecord

from . import permissions, reminders
from .models import DutyRoster, DutyShift, InformationReport, OpinionIncident, OpinionReview


def _demo(**options):
    """The area's part of seed_demo, imported only when seeding."""
    from . import demo

    return demo.seed(**options)


def _report_figures(report) -> None:
    from .report import report_figures

    report_figures(report)


def _ledgers():
    from .ledgers import ledgers

    return ledgers()


contract = WorkAreaContract(
    label="sentiment",
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
    report_figures=_report_figures,
    ledgers=_ledgers,
    demo=_demo,
)
