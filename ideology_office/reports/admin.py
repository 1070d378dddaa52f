from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from . import figures, services
from .models import ReportTemplate


class ReportTemplateForm(forms.ModelForm):
    class Meta:
        model = ReportTemplate
        fields = ["name", "file", "note"]

    def clean_file(self):
        uploaded = self.cleaned_data.get("file")
        if uploaded is not None and hasattr(uploaded, "content_type"):
            services.report_template_validate(uploaded)
        return uploaded


@admin.register(ReportTemplate)
class ReportTemplateAdmin(admin.ModelAdmin):
    """Upload a Word template for the annual report; the newest upload is the one in use."""

    form = ReportTemplateForm
    list_display = ["name", "active", "created_by", "created_at"]
    list_filter = ["active"]
    readonly_fields = ["active", "created_by", "created_at", "default_template", "available_tags"]

    @admin.display(description=_("built-in template"))
    def default_template(self, obj=None):
        return format_html(
            '<a href="{}">{}</a>', reverse("reports:default_template"), _("Download it to edit in Word")
        )

    @admin.display(description=_("tags the template may use"))
    def available_tags(self, obj=None):
        """The template editor's help (not the leader's page): each figure's tag, with its label and this
        year's value so that the editor sees what the tag will print."""
        year = timezone.localdate().year
        report = figures.annual_figures(since=year, until=year)
        rows = format_html_join(
            "",
            "<tr><td><code>{{{{ f.{} }}}}</code></td><td>{}</td><td>{}</td></tr>",
            (
                (figure.key, figure.label, "—" if figure.value in (None, "") else figure.value)
                for _section, rows in report.by_section()
                for figure in rows
            ),
        )
        return format_html(
            '<table class="report-template-tags"><thead><tr><th>{}</th><th>{}</th><th>{}</th></tr></thead>'
            "<tbody>{}</tbody></table>",
            _("tag"),
            _("figure"),
            _("value this year"),
            rows,
        )

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "file", "note", "default_template", "available_tags"]
        return ["name", "note", "active", "created_by", "created_at", "default_template", "available_tags"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "name"] if obj else ["default_template", "available_tags"]

    def save_model(self, request, obj, form, change):
        if change:
            obj.full_clean()
            super().save_model(request, obj, form, change)
            return
        try:
            saved = services.report_template_upload(
                name=form.cleaned_data["name"],
                uploaded_file=form.cleaned_data["file"],
                note=form.cleaned_data.get("note", ""),
                user=request.user,
            )
        except ValidationError as error:  # pragma: no cover - the form checked it already
            form.add_error(None, error)
            raise
        obj.pk = saved.pk

    def has_delete_permission(self, request, obj=None):
        # Old templates stay as the record of how past reports were worded.
        return False
