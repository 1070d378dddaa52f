from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.translation import gettext_lazy as _

from .file_types import accepted_extensions


class ProjectFormRenderer(TemplatesSetting):
    """Every form renders its fields through templates/components/, with Bootstrap classes and
    field errors under each field."""

    form_template_name = "components/form.html"
    field_template_name = "components/field.html"


class AttachmentUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Evidence file"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(accepted_extensions())}),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for voiding"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500
    )
