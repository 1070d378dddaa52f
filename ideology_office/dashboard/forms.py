from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

FIRST_YEAR = 2015


class DashboardFilterForm(forms.Form):
    """The year and scope of the leaders' figures. Wrong values fall back to the defaults with a
    message: a dashboard should always show something."""

    year = forms.TypedChoiceField(label=_("year"), coerce=int)
    section = forms.TypedChoiceField(label=_("section"), coerce=int, required=False, empty_value=None)
    mine = forms.BooleanField(label=_("only my areas"), required=False)

    def __init__(self, *args, sections=(), can_filter_mine=False, **kwargs):
        super().__init__(*args, **kwargs)
        this_year = timezone.localdate().year
        self.fields["year"].choices = [(year, f"{year}年") for year in range(this_year, FIRST_YEAR - 1, -1)]
        self.fields["section"].choices = [("", _("Whole office")), *sections]
        if not can_filter_mine:
            del self.fields["mine"]
