"""What the study area lends to the shared floor (see ideology_office.common.contracts)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ideology_office.common.contracts import DefaultRule, DrillDown, Panel, WorkArea, WorkAreaContract, lazy
from ideology_office.common.counting import CountableRecord
from ideology_office.common.rollups import Dependency, RollupSpec
from ideology_office.common.scale import ScaleGenerator

from . import access, permissions, reminders
from .models import PointsEntry, ReadingClass, StudySession


def _sessions(*kinds):
    def queryset():
        query = StudySession.objects.active()
        return query.filter(kind__in=kinds) if kinds else query

    return queryset


Kind = StudySession.Kind


contract = WorkAreaContract(
    label="study",
    urls="study.urls",
    url_access=access.URL_ACCESS,
    work_area=WorkArea(
        "study",
        _("Study"),
        "study:index",
        "bi-book",
        _(
            "First-agenda study, central group sessions, reading classes, branch meetings and learning points."
        ),
        (_("Study materials"), _("Study sessions"), _("Learning points"), _("Spreadsheet import")),
    ),
    policies=permissions.register_policies,
    countables=(
        *(
            CountableRecord(
                key=key, label=label, queryset=_sessions(*kinds), date_field="date", unit_field="section"
            )
            for key, label, kinds in (
                ("study.session", _("Study sessions"), ()),
                ("study.central_group_session", _("Central group study sessions"), (Kind.CENTRAL_GROUP,)),
                ("study.thematic_discussion", _("Thematic discussions"), (Kind.THEMATIC_DISCUSSION,)),
                ("study.first_agenda", _("First agenda item studies"), (Kind.FIRST_AGENDA,)),
                (
                    "study.branch_meeting",
                    _("Branch meetings and party lectures"),
                    StudySession.BRANCH_MEETING_KINDS,
                ),
                ("study.themed_party_day", _("Themed party days"), (Kind.THEMED_PARTY_DAY,)),
            )
        ),
        CountableRecord(
            key="study.reading_class",
            label=_("Reading classes"),
            queryset=lambda: ReadingClass.objects.active(),
            date_field="start_date",
            unit_field="section",
        ),
    ),
    reminder_sources=reminders.sources,
    default_rules=(
        DefaultRule(reminders.MATERIAL_WAITING, "学习材料待学习提醒", "0d", overdue_every_days=3),
        DefaultRule(reminders.POINTS_BELOW_THRESHOLD, "学习积分低于要求", "0d", channels="inbox,email"),
    ),
    report_figures=lazy("study.report.report_figures"),
    ledgers=lazy("study.ledgers.ledgers"),
    panels=(
        Panel("study", lazy("study.panels.study_by_month")),
        Panel("timeliness", lazy("study.panels.first_agenda_timeliness")),
        Panel("points", lazy("study.panels.points_by_section")),
    ),
    drilldowns=(
        DrillDown("study", lazy("study.panels.drill_study")),
        DrillDown("materials_studied", lazy("study.panels.drill_materials_studied")),
        DrillDown("materials_waiting", lazy("study.panels.drill_materials_waiting")),
        DrillDown("points", lazy("study.panels.drill_points")),
    ),
    # The study chart and the report's session counts; the points chart (each person counts in
    # the section they belong to now, so moving a person moves their points).
    rollups=(
        RollupSpec(
            "study.sessions",
            lambda: StudySession.objects.active(),
            date_field="date",
            section_field="section",
            kind_field="kind",
        ),
        RollupSpec(
            "study.points",
            lambda: PointsEntry.objects.all(),
            date_field="date",
            section_field="person__section",
            measure="points",
            uniques="person",
            depends=(Dependency("accounts.User", "person", ("section",)),),
        ),
        # The report's people who earned points in a period of years: a bucket per person and year.
        RollupSpec(
            "study.points_people",
            lambda: PointsEntry.objects.all(),
            date_field="date",
            section_field="person",
            period="year",
        ),
    ),
    scale=ScaleGenerator(lazy("study.scale.generate"), lazy("study.scale.summary")),
    demo=lazy("study.demo.seed"),
)
