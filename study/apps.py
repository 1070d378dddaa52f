from django.apps import AppConfig

from ideology_office.common.navigation import WORK_AREAS_BY_KEY


class StudyConfig(AppConfig):
    name = "study"
    verbose_name = WORK_AREAS_BY_KEY["study"].label
