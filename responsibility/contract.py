"""What the responsibility area lends to the shared floor (see ideology_office.common.contracts)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ideology_office.common.contracts import DefaultRule, Panel, WorkArea, WorkAreaContract, lazy
from ideology_office.common.counting import CountableRecord

from . import access, permissions, reminders
from .models import OfficeMeeting

contract = WorkAreaContract(
    label="responsibility",
    urls="responsibility.urls",
    url_access=access.URL_ACCESS,
    work_area=WorkArea(
        "responsibility",
        _("Responsibility"),
        "responsibility:index",
        "bi-diagram-3",
        _(
            "Leading group, dual-duty assignments, office meetings, work priorities and the annual assessment."
        ),
        (_("Leading group"), _("Dual-duty assignments"), _("Office meetings"), _("Assessment")),
    ),
    policies=permissions.register_policies,
    # 室务会 are the office's own meetings, not a section's: they count office-wide (no unit
    # field); a leader's assessment counts those they chaired.
    countables=(
        CountableRecord(
            key="responsibility.office_meeting",
            label=_("Office meetings"),
            queryset=lambda: OfficeMeeting.objects.active(),
            date_field="date",
            person_field="chair",
        ),
        CountableRecord(
            key="responsibility.office_meeting_on_ideology",
            label=_("Office meetings dedicated to ideology work"),
            queryset=lambda: OfficeMeeting.objects.active().filter(on_ideology=True),
            date_field="date",
            person_field="chair",
        ),
    ),
    reminder_sources=reminders.sources,
    default_rules=(
        DefaultRule(
            reminders.FOLLOW_UP_DEADLINE,
            "办公会议落实事项到期提醒",
            "-3d,-1d,0d",
            overdue_every_days=2,
            escalate_after_days=5,
            channels="inbox,email",
        ),
    ),
    report_figures=lazy("responsibility.report.report_figures"),
    ledgers=lazy("responsibility.ledgers.ledgers"),
    panels=(
        Panel("group_needs_adjustment", lazy("responsibility.panels.group_needs_adjustment")),
        Panel("assessments", lazy("responsibility.panels.assessments")),
    ),
    my_work=(Panel("follow_ups", lazy("responsibility.panels.my_follow_ups")),),
    demo=lazy("responsibility.demo.seed"),
)
