"""The replaceable Word template of the annual report. The figures are never stored: they are
computed from the records each time (figures.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from ideology_office.common.models import BaseModel


class ReportTemplate(BaseModel):
    """A Word template uploaded by an admin. The newest active one is used; with none, the
    built-in template (document.py)."""

    name = models.CharField(_("name"), max_length=100)
    file = models.FileField(_("Word template (.docx)"), upload_to="report-templates/%Y/")
    note = models.TextField(_("remarks"), blank=True)
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("report template")
        verbose_name_plural = _("report templates")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.name
