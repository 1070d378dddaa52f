from django.apps import AppConfig

from ideology_office.common.navigation import WORK_AREAS_BY_KEY


class SentimentConfig(AppConfig):
    name = "sentiment"
    verbose_name = WORK_AREAS_BY_KEY["sentiment"].label
