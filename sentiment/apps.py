from django.apps import AppConfig

from ideology_office.common.navigation import WORK_AREAS_BY_KEY


class SentimentConfig(AppConfig):
    name = "sentiment"
    verbose_name = WORK_AREAS_BY_KEY["sentiment"].label

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from ideology_office.common.counting import CountableRecord, register_countable

        from . import permissions, reminders
        from .models import DutyRoster, DutyShift, InformationReport, OpinionIncident, OpinionReview

        permissions.register_policies()
        reminders.register()
        register_countable(
            CountableRecord(
                key="sentiment.opinion_review",
                label=_("Quarterly opinion reviews"),
                queryset=lambda: OpinionReview.objects.active(),
                date_field="held_on",
            )
        )
        register_countable(
            CountableRecord(
                key="sentiment.incident",
                label=_("Opinion incidents"),
                queryset=lambda: OpinionIncident.objects.active(),
                date_field="found_at",
            )
        )
        register_countable(
            CountableRecord(
                key="sentiment.information_report",
                label=_("Information reports"),
                queryset=lambda: InformationReport.objects.active(),
                date_field="sent_at",
                person_field="created_by",
            )
        )
        register_countable(
            CountableRecord(
                key="sentiment.duty_shift",
                label=_("Duty shifts"),
                queryset=lambda: DutyShift.objects.filter(roster__status=DutyRoster.Status.PUBLISHED),
                date_field="start",
                person_field="officer",
            )
        )
