from django.apps import AppConfig

from ideology_office.common.navigation import WORK_AREAS_BY_KEY


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = WORK_AREAS_BY_KEY["inspections"].label

    def ready(self):
        from django.utils.translation import gettext_lazy as _

        from ideology_office.common.counting import CountableRecord, register_countable

        from . import permissions, reminders, selectors
        from .models import Finding, RectificationTask

        permissions.register_policies()
        reminders.register()
        register_countable(
            CountableRecord(
                key="inspections.finding",
                label=_("Inspection findings"),
                queryset=lambda: Finding.objects.active().filter(inspection__voided_at__isnull=True),
                date_field="inspection__date",
            )
        )
        register_countable(
            CountableRecord(
                key="inspections.task",
                label=_("Rectification tasks (by deadline)"),
                queryset=selectors.active_tasks,
                date_field="deadline",
                unit_field="responsible_unit",
                person_field="responsible_person",
            )
        )
        register_countable(
            CountableRecord(
                key="inspections.task_closed",
                label=_("Rectification tasks closed out (by close-out date)"),
                queryset=lambda: selectors.active_tasks().filter(state=RectificationTask.State.CLOSED),
                date_field="closed_at",
                unit_field="responsible_unit",
                person_field="responsible_person",
            )
        )
        register_countable(
            CountableRecord(
                key="inspections.overdue_task",
                label=_("Overdue rectification tasks (by deadline)"),
                queryset=selectors.overdue_task_queryset,
                date_field="deadline",
                unit_field="responsible_unit",
                person_field="responsible_person",
            )
        )
