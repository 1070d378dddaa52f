from django.apps import AppConfig

from ideology_office.common.navigation import WORK_AREAS_BY_KEY


class PositionsConfig(AppConfig):
    name = "positions"
    verbose_name = WORK_AREAS_BY_KEY["positions"].label
