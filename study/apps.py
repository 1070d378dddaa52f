from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from ideology_office.common.navigation import WORK_AREAS_BY_KEY


class StudyConfig(AppConfig):
    name = "study"
    verbose_name = WORK_AREAS_BY_KEY["study"].label

    def ready(self):
        from ideology_office.common.counting import CountableRecord, register_countable

        from . import permissions, reminders
        from .models import ReadingClass, StudySession

        reminders.register()
        permissions.register_policies()

        def sessions(*kinds):
            def queryset():
                query = StudySession.objects.active()
                return query.filter(kind__in=kinds) if kinds else query

            return queryset

        Kind = StudySession.Kind
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
        ):
            register_countable(
                CountableRecord(
                    key=key, label=label, queryset=sessions(*kinds), date_field="date", unit_field="section"
                )
            )
        register_countable(
            CountableRecord(
                key="study.reading_class",
                label=_("Reading classes"),
                queryset=lambda: ReadingClass.objects.active(),
                date_field="start_date",
                unit_field="section",
            )
        )
