"""The Celery application: configuration comes from Django settings (CELERY_* names)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ideology_office.settings.local")

app = Celery("ideology_office")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
