from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from ideology_office.accounts.models import OrgUnit, User
from ideology_office.accounts.roles import Role
from ideology_office.common.file_types import accepted_extensions
from ideology_office.common.forms import (
    GroupedRecordsChoiceField,
    PersonChoiceField,
    camera_photo_field,
    file_or_photo,
    people_for_choice,
)

from . import selectors
from .models import (
    ChecklistResult,
    ChecklistTemplate,
    Finding,
    FindingCategory,
    Inspection,
    RectificationTask,
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def leaders():
    return User.objects.with_role(Role.LEADER).filter(is_active=True).order_by("username")


def sections():
    return OrgUnit.objects.filter(is_active=True).exclude(kind=OrgUnit.Kind.COUNTY_UNIT)


class InspectionForm(forms.ModelForm):
    class Meta:
        model = Inspection
        fields = ["source", "title", "date", "description"]
        widgets = {"date": DateInput(), "description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A self-inspection starts from a checklist, on its own page.
        self.fields["source"].choices = [
            choice
            for choice in self.fields["source"].choices
            if choice[0] != Inspection.Source.SELF_INSPECTION
        ]


class SelfInspectionForm(forms.Form):
    checklist = forms.ModelChoiceField(
        label=_("Checklist template"), queryset=ChecklistTemplate.objects.filter(is_active=True)
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    date = forms.DateField(label=_("Date"), widget=DateInput())


class FindingForm(forms.ModelForm):
    class Meta:
        model = Finding
        fields = ["category", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class TaskForm(forms.Form):
    measure = forms.CharField(label=_("Rectification measure"), widget=forms.Textarea(attrs={"rows": 3}))
    responsible_leader = PersonChoiceField(label=_("Responsible leader"), queryset=User.objects.none())
    responsible_unit = forms.ModelChoiceField(label=_("Responsible unit"), queryset=OrgUnit.objects.none())
    responsible_person = PersonChoiceField(label=_("Person responsible"), queryset=User.objects.none())
    deadline = forms.DateField(label=_("Deadline"), widget=DateInput())
    kind = forms.ChoiceField(
        label=_("Kind"), choices=RectificationTask.Kind.choices, initial=RectificationTask.Kind.BY_DEADLINE
    )

    def __init__(self, *args, with_deadline: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_leader"].queryset = leaders()
        self.fields["responsible_unit"].queryset = sections()
        self.fields["responsible_person"].queryset = people_for_choice()
        if not with_deadline:
            # After assignment the deadline moves only through an approved extension.
            del self.fields["deadline"]


class ProgressForm(forms.Form):
    note = forms.CharField(label=_("Progress"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)
    evidence = forms.FileField(
        label=_("Evidence file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(accepted_extensions())}),
    )
    photo = camera_photo_field()

    def clean(self):
        cleaned_data = super().clean()
        file_or_photo(self, "evidence", required=False)
        return cleaned_data


class SubmitForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the verifier"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class CloseForm(forms.Form):
    note = forms.CharField(
        label=_("Close-out note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    evidence_reviewed = forms.BooleanField(label=_("I have reviewed the evidence"), required=False)


class ExtensionRequestForm(forms.Form):
    requested_deadline = forms.DateField(label=_("New deadline"), widget=DateInput())
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )


class ExtensionDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))]
    )
    note = forms.CharField(
        label=_("Opinion"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000, required=False
    )


class MechanismForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    document_number = forms.CharField(label=_("Document number"), max_length=100, required=False)
    adopted_on = forms.DateField(label=_("Date adopted"), widget=DateInput())
    description = forms.CharField(
        label=_("Content"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    findings = GroupedRecordsChoiceField(
        label=_("Findings answered"),
        queryset=Finding.objects.none(),
        group_of=lambda finding: finding.inspection,
        search_url=reverse_lazy("inspections:finding_choices"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["findings"].queryset = selectors.finding_choices()


class ChecklistResultForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Result"), choices=ChecklistResult.Outcome.choices)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ProblemRaiseForm(TaskForm):
    """A problem found in a self-inspection, and its first rectification measure."""

    category = forms.ModelChoiceField(label=_("Category"), queryset=FindingCategory.objects.all())
    description = forms.CharField(label=_("Problem"), widget=forms.Textarea(attrs={"rows": 3}))
    field_order = ["category", "description"]
