from django.apps import AppConfig

from ideology_office.common.navigation import WORK_AREAS_BY_KEY


class InspectionsConfig(AppConfig):
    name = "inspections"
    verbose_name = WORK_AREAS_BY_KEY["inspections"].label
