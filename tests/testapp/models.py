from django.conf import settings
from django.db import models

from ideology_office.common.models import VoidableModel


class Dossier(VoidableModel):
    title = models.CharField(max_length=100)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    score = models.IntegerField(default=0)
    # For the reminders engine's test source: a date deadline and whether the dossier is done.
    deadline = models.DateField(null=True, blank=True)
    done = models.BooleanField(default=False)

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return "/"
