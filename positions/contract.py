"""What the positions area lends to the shared floor (see ideology_office.common.contracts)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from ideology_office.common.contracts import DefaultRule, DrillDown, Panel, WorkArea, WorkAreaContract, lazy
from ideology_office.common.counting import CountableRecord
from ideology_office.common.rollups import Dependency, RollupSpec
from ideology_office.common.scale import ScaleGenerator

from . import access, permissions, reminders
from .models import ContentItem, PhysicalUpdate, Publication, SignOff

contract = WorkAreaContract(
    label="positions",
    urls="positions.urls",
    url_access=access.URL_ACCESS,
    work_area=WorkArea(
        "positions",
        _("Positions"),
        "positions:index",
        "bi-broadcast",
        _(
            "Website, WeChat account, boards and screens; every item passes three reviews and three proofreads."
        ),
        (_("Platforms"), _("Content review"), _("Physical positions"), _("Key dates")),
    ),
    policies=permissions.register_policies,
    countables=(
        CountableRecord(
            key="positions.content_item_published",
            label=_("Content items published"),
            queryset=lambda: Publication.objects.all(),
            date_field="published_at",
            unit_field="item__author__section",
            person_field="item__author",
        ),
        CountableRecord(
            key="positions.content_item_reviewed",
            label=_("Content items through the final review"),
            queryset=lambda: ContentItem.objects.filter(final_approved_at__isnull=False),
            date_field="final_approved_at",
            unit_field="author__section",
            person_field="author",
        ),
        CountableRecord(
            key="positions.physical_update",
            label=_("Physical position content changes"),
            queryset=lambda: PhysicalUpdate.objects.active(),
            date_field="start_date",
        ),
    ),
    reminder_sources=reminders.sources,
    default_rules=(
        DefaultRule(
            reminders.REVIEW_WAITING,
            "内容等待审核提醒",
            "0d",
            overdue_every_days=1,
            escalate_after_days=2,
            channels="inbox,email",
        ),
        DefaultRule(reminders.PHYSICAL_STALE, "阵地内容未及时更新", "0d", overdue_every_days=7),
        DefaultRule(reminders.KEY_DATE, "宣传重点节点提醒", "-7d,-1d", channels="inbox,email"),
    ),
    report_figures=lazy("positions.report.report_figures"),
    ledgers=lazy("positions.ledgers.ledgers"),
    panels=(
        Panel("review_waiting", lazy("positions.panels.review_waiting")),
        Panel("key_dates", lazy("positions.panels.key_dates_ahead")),
    ),
    drilldowns=(DrillDown("waiting", lazy("positions.panels.drill_waiting")),),
    my_work=(Panel("reviews", lazy("positions.panels.my_reviews")),),
    # Content waiting at each review step now, by the author's section; the report's counts of
    # approving signatures, items through the final review and publications, by month.
    rollups=(
        RollupSpec(
            "positions.signoffs_approved",
            lambda: SignOff.objects.filter(decision=SignOff.Decision.APPROVE),
            date_field="signed_at",
        ),
        RollupSpec(
            "positions.items_reviewed",
            lambda: ContentItem.objects.filter(final_approved_at__isnull=False),
            date_field="final_approved_at",
        ),
        RollupSpec("positions.publications", lambda: Publication.objects.all(), date_field="published_at"),
        RollupSpec(
            "positions.review_waiting",
            lambda: ContentItem.objects.filter(status=ContentItem.Status.IN_REVIEW),
            section_field="author__section",
            kind_field="current_step",
            depends=(Dependency("accounts.User", "author", ("section",)),),
        ),
    ),
    scale=ScaleGenerator(lazy("positions.scale.generate"), lazy("positions.scale.summary")),
    demo=lazy("positions.demo.seed"),
)
