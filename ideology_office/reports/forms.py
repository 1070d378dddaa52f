from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

EARLIEST_YEAR = 2000


class ReportPeriodForm(forms.Form):
    since = forms.IntegerField(label=_("from year"))
    until = forms.IntegerField(label=_("to year"))
    focus_tags = forms.CharField(
        label=_("focus topics"),
        required=False,
        help_text=_("Topic tags the report counts discussions on, separated by 、 or commas."),
    )

    def clean(self):
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        latest = timezone.localdate().year
        for name in ("since", "until"):
            year = cleaned.get(name)
            if year is not None and not EARLIEST_YEAR <= year <= latest:
                self.add_error(
                    name,
                    _("Give a year from %(first)d to %(last)d.") % {"first": EARLIEST_YEAR, "last": latest},
                )
        if since is not None and until is not None and since > until:
            self.add_error("until", _("The last year comes before the first."))
        return cleaned

    def focus_tag_list(self) -> list[str]:
        text = self.cleaned_data.get("focus_tags") or ""
        return [
            part.strip() for part in text.replace("，", ",").replace("、", ",").split(",") if part.strip()
        ]
