from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from ideology_office.accounts.models import User
from ideology_office.common.forms import PeopleChoiceField, PersonChoiceField, ShortListModelChoiceField
from ideology_office.common.policies import visible_to

from .models import (
    DutyShift,
    InformationReport,
    OpinionIncident,
    OpinionReview,
    RiskItem,
    RotationMember,
    RotationPattern,
)
from .selectors import people_for_duty


class MinuteInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _people():
    return people_for_duty().order_by("section__sort_order", "username")


class IncidentForm(forms.ModelForm):
    handled_by = PersonChoiceField(queryset=User.objects.none(), required=False, label=_("handled by"))

    class Meta:
        model = OpinionIncident
        fields = [
            "found_at",
            "source",
            "field",
            "severity",
            "summary",
            "links",
            "reported_at",
            "reported_to",
            "handled_at",
            "handled_by",
            "measures",
            "result",
        ]
        widgets = {
            "found_at": MinuteInput(),
            "reported_at": MinuteInput(),
            "handled_at": MinuteInput(),
            "summary": forms.Textarea(attrs={"rows": 3}),
            "links": forms.Textarea(attrs={"rows": 2}),
            "measures": forms.Textarea(attrs={"rows": 3}),
            "result": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handled_by"].queryset = _people()

    def _post_clean(self):
        # The service validates the whole record; the form only parses the input.
        pass


class GenerateRosterForm(forms.Form):
    month = forms.DateField(
        label=_("Month"),
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
    )
    pattern = forms.ModelChoiceField(
        queryset=RotationPattern.objects.filter(is_active=True), label=_("Rotation pattern")
    )


class ShiftForm(forms.Form):
    start = forms.DateTimeField(label=_("Start"), widget=MinuteInput())
    end = forms.DateTimeField(label=_("End"), widget=MinuteInput())
    officer = PersonChoiceField(queryset=User.objects.none(), label=_("Duty officer"))
    leader = PersonChoiceField(queryset=User.objects.none(), label=_("Leader on duty"))
    phone = forms.CharField(label=_("Duty phone"), max_length=20, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = _people()
        self.fields["leader"].queryset = _people()


class SwapRequestForm(forms.Form):
    counterpart = PersonChoiceField(queryset=User.objects.none(), label=_("Who takes the shift"))
    counterpart_shift = forms.ModelChoiceField(
        queryset=DutyShift.objects.none(),
        required=False,
        label=_("Their shift you take in exchange"),
        help_text=_("Leave empty if they only stand in for you."),
    )
    reason = forms.CharField(
        label=_("Reason for the swap"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500
    )

    def __init__(self, *args, shift_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counterpart"].queryset = _people()
        self.fields["counterpart_shift"].queryset = (
            shift_choices if shift_choices is not None else DutyShift.objects.none()
        )


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500, required=False
    )


class ReassignForm(forms.Form):
    duty = forms.ChoiceField(label=_("Duty"), choices=RotationMember.Duty.choices)
    new_person = PersonChoiceField(queryset=User.objects.none(), label=_("New person"))
    reason = forms.CharField(
        label=_("Reason for reassigning"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_person"].queryset = _people()


class HandoverForm(forms.Form):
    open_items = forms.CharField(label=_("Open items"), widget=forms.Textarea(attrs={"rows": 4}))


class DutyLogForm(forms.Form):
    at = forms.DateTimeField(label=_("Time"), widget=MinuteInput())
    content = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 2}))


class InformationReportForm(forms.ModelForm):
    class Meta:
        model = InformationReport
        fields = ["sent_at", "recipient", "content", "incident"]
        widgets = {"sent_at": MinuteInput(), "content": forms.Textarea(attrs={"rows": 3})}

    incident = ShortListModelChoiceField(
        queryset=OpinionIncident.objects.none(),
        required=False,
        label=_("incident"),
        help_text=_("The 50 incidents found most recently are listed; type to find an older one."),
        search_url=reverse_lazy("sentiment:incident_choices"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Any incident the person may see is a valid choice; only the list is short.
        field = self.fields["incident"]
        field.queryset = visible_to(user, OpinionIncident.objects.active()).order_by("-found_at", "-pk")
        field.keep_choice(self["incident"].value())

    def _post_clean(self):
        pass


class ReviewForm(forms.ModelForm):
    attendees = PeopleChoiceField(queryset=User.objects.none(), label=_("Attendees"))

    class Meta:
        model = OpinionReview
        fields = ["held_on", "attendees", "reviewed", "conclusions"]
        widgets = {
            "held_on": DateInput(),
            "reviewed": forms.Textarea(attrs={"rows": 3}),
            "conclusions": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendees"].queryset = _people()

    def _post_clean(self):
        pass


class RiskForm(forms.ModelForm):
    owner = PersonChoiceField(queryset=User.objects.none(), label=_("owner"))
    likelihood = forms.IntegerField(label=_("likelihood"))
    impact = forms.IntegerField(label=_("impact"))

    class Meta:
        model = RiskItem
        fields = ["issue", "field", "likelihood", "impact", "owner", "response_plan", "measures", "status"]
        widgets = {
            "issue": forms.Textarea(attrs={"rows": 2}),
            "response_plan": forms.Textarea(attrs={"rows": 3}),
            "measures": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, matrix=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = _people()
        if matrix is not None:
            self.fields["likelihood"].help_text = _("1 to %(max)s") % {"max": matrix.likelihood_levels}
            self.fields["impact"].help_text = _("1 to %(max)s") % {"max": matrix.impact_levels}

    def _post_clean(self):
        pass
