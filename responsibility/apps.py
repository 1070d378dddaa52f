from django.apps import AppConfig

from ideology_office.common.navigation import WORK_AREAS_BY_KEY


class ResponsibilityConfig(AppConfig):
    name = "responsibility"
    verbose_name = WORK_AREAS_BY_KEY["responsibility"].label

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from ideology_office.common.counting import CountableRecord, register_countable

        from . import reminders
        from .models import OfficeMeeting
        from .permissions import register_policies

        register_policies()
        reminders.register()
        # 室务会 are the office's own meetings, not a section's: they count office-wide
        # (no unit field); a leader's assessment counts those they chaired.
        register_countable(
            CountableRecord(
                key="responsibility.office_meeting",
                label=_("Office meetings"),
                queryset=lambda: OfficeMeeting.objects.active(),
                date_field="date",
                person_field="chair",
            )
        )
        register_countable(
            CountableRecord(
                key="responsibility.office_meeting_on_ideology",
                label=_("Office meetings dedicated to ideology work"),
                queryset=lambda: OfficeMeeting.objects.active().filter(on_ideology=True),
                date_field="date",
                person_field="chair",
            )
        )
