from django.apps import AppConfig

from ideology_office.common.navigation import WORK_AREAS_BY_KEY


class ResponsibilityConfig(AppConfig):
    name = "responsibility"
    verbose_name = WORK_AREAS_BY_KEY["responsibility"].label
