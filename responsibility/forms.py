"""Forms check the shape of the input; the rules live in services."""

from __future__ import annotations

import json

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ideology_office.accounts.models import OrgUnit, User
from ideology_office.accounts.roles import Role
from ideology_office.common.forms import PeopleChoiceField, PersonChoiceField, people_for_choice

from .models import (
    AgendaItem,
    Assessment,
    AssessmentScheme,
    LeadingGroupMembership,
    MeetingAttendance,
    SchemeItem,
)
from .selectors import countable_choices

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _leaders():
    return User.objects.with_role(Role.LEADER).filter(is_active=True).order_by("username")


def _sections():
    return OrgUnit.objects.filter(kind=OrgUnit.Kind.SECTION, is_active=True).order_by("sort_order", "name")


def _year_field():
    return forms.IntegerField(
        label=_("year"), min_value=2000, max_value=2100, initial=timezone.localdate().year
    )


class MembershipForm(forms.Form):
    person = PersonChoiceField(label=_("person"), queryset=User.objects.none())
    role = forms.ChoiceField(label=_("role in the group"), choices=LeadingGroupMembership.Role.choices)
    start_date = forms.DateField(label=_("start date"), widget=DATE)
    start_reason = forms.CharField(label=_("reason for joining"), widget=forms.Textarea(attrs={"rows": 2}))
    end_date = forms.DateField(label=_("end date"), widget=DATE, required=False)
    end_reason = forms.CharField(
        label=_("reason for leaving"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people_for_choice()
        if editing:
            # Who the membership belongs to is fixed; a different person is a new membership.
            del self.fields["person"]


class MembershipReplaceForm(forms.Form):
    successor = PersonChoiceField(label=_("successor"), queryset=User.objects.none())
    on = forms.DateField(label=_("effective from"), widget=DATE)
    reason = forms.CharField(label=_("reason for the change"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["successor"].queryset = people_for_choice()


class MembershipChangeForm(forms.Form):
    """End a membership, or record that the member stays in the group after a change of post."""

    on = forms.DateField(label=_("date"), widget=DATE)
    reason = forms.CharField(label=_("reason for the change"), widget=forms.Textarea(attrs={"rows": 2}))


class AssignmentForm(forms.Form):
    year = _year_field()
    leader = PersonChoiceField(label=_("leadership member"), queryset=User.objects.none())
    is_principal = forms.BooleanField(label=_("principal leader"), required=False)
    sections = forms.ModelMultipleChoiceField(
        label=_("sections in charge"),
        queryset=OrgUnit.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    fields_in_charge = forms.CharField(label=_("fields in charge"), max_length=200, required=False)
    duties = forms.CharField(
        label=_("duty list"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_("One duty per line."),
    )
    letter_signed_on = forms.DateField(
        label=_("responsibility letter signed on"), widget=DATE, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["leader"].queryset = _leaders()
        self.fields["sections"].queryset = _sections()


class MeetingForm(forms.Form):
    date = forms.DateField(label=_("meeting date"), widget=DATE)
    title = forms.CharField(label=_("subject"), max_length=200)
    place = forms.CharField(label=_("place"), max_length=100)
    chair = PersonChoiceField(label=_("chair"), queryset=User.objects.none())
    section = forms.ModelChoiceField(label=_("recorded by section"), queryset=OrgUnit.objects.none())
    on_ideology = forms.BooleanField(label=_("dedicated to ideology work"), required=False)
    decisions = forms.CharField(
        label=_("decisions"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = _leaders()
        sections = _sections()
        from .permissions import is_admin, is_leader

        if user is not None and not (is_admin(user) or is_leader(user)):
            # A section head records the meetings their own section keeps.
            sections = sections.filter(pk=user.section_id)
        self.fields["section"].queryset = sections


class MeetingCreateForm(MeetingForm):
    present = PeopleChoiceField(
        label=_("present"),
        queryset=User.objects.none(),
        required=False,
    )
    first_topic = forms.CharField(label=_("first-agenda study (item 1)"), max_length=300, required=False)
    first_topic_material = forms.CharField(
        label=_("material studied"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    agenda = forms.CharField(
        label=_("other agenda items"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("One item per line, in order."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].queryset = people_for_choice()


class AgendaItemForm(forms.Form):
    kind = forms.ChoiceField(label=_("type of item"), choices=AgendaItem.Kind.choices)
    title = forms.CharField(label=_("agenda item"), max_length=300)
    material = forms.CharField(
        label=_("material studied"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class AgendaStudyLinkForm(forms.Form):
    study_session = forms.ModelChoiceField(label=_("session in the study ledger"), queryset=None)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["study_session"].queryset = candidates


class AttendanceForm(forms.Form):
    person = PersonChoiceField(label=_("person"), queryset=User.objects.none())
    status = forms.ChoiceField(label=_("attendance at the meeting"), choices=MeetingAttendance.Status.choices)
    absence_reason = forms.CharField(label=_("reason for absence"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people_for_choice()


class FollowUpForm(forms.Form):
    description = forms.CharField(label=_("action to follow up"), widget=forms.Textarea(attrs={"rows": 2}))
    owner = PersonChoiceField(label=_("person responsible for the action"), queryset=User.objects.none())
    deadline = forms.DateField(label=_("deadline"), widget=DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people_for_choice()


class FollowUpCompleteForm(forms.Form):
    done_on = forms.DateField(label=_("done on"), widget=DATE, initial=timezone.localdate)
    outcome = forms.CharField(label=_("outcome"), widget=forms.Textarea(attrs={"rows": 2}))


class PriorityForm(forms.Form):
    year = _year_field()
    position = forms.IntegerField(label=_("number in order"), min_value=1, max_value=999, required=False)
    text = forms.CharField(label=_("work priority"), widget=forms.Textarea(attrs={"rows": 3}))
    concerns_ideology = forms.BooleanField(label=_("concerns ideology work"), required=False)


class SchemeForm(forms.Form):
    year = _year_field()
    name = forms.CharField(label=_("name"), max_length=200)
    excellent_from = forms.DecimalField(label=_("优秀 from"), max_digits=6, decimal_places=2, initial=90)
    good_from = forms.DecimalField(label=_("良好 from"), max_digits=6, decimal_places=2, initial=80)
    fair_from = forms.DecimalField(label=_("一般 from"), max_digits=6, decimal_places=2, initial=60)
    bonus_cap = forms.DecimalField(
        label=_("bonus cap"), max_digits=6, decimal_places=2, min_value=0, initial=0
    )


class SchemeCopyForm(forms.Form):
    year = _year_field()


class SchemeItemForm(forms.Form):
    position = forms.IntegerField(label=_("number in order"), min_value=1, max_value=999, required=False)
    heading = forms.CharField(label=_("section heading"), max_length=100)
    kind = forms.ChoiceField(label=_("type of item"), choices=SchemeItem.Kind.choices)
    requirement = forms.CharField(
        label=_("content and requirement"), widget=forms.Textarea(attrs={"rows": 3})
    )
    max_points = forms.DecimalField(
        label=_("points available"), max_digits=6, decimal_places=2, min_value=0, initial=0
    )
    deduction_rule = forms.CharField(
        label=_("scoring standard"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    count_key = forms.ChoiceField(label=_("counted records"), required=False)
    count_filters = forms.CharField(
        label=_("count filters"),
        required=False,
        help_text=_('Field lookups as JSON, e.g. {"on_ideology": true}; leave empty for none.'),
    )
    count_mode = forms.ChoiceField(
        label=_("count rule"), choices=[("", "—"), *SchemeItem.Mode.choices], required=False
    )
    count_required = forms.IntegerField(
        label=_("required number"), min_value=0, max_value=1000, required=False
    )
    count_period = forms.ChoiceField(
        label=_("counting period"), choices=[("", "—"), *SchemeItem.Period.choices], required=False
    )
    points_per_miss = forms.DecimalField(
        label=_("points off per missing or extra record"),
        max_digits=6,
        decimal_places=2,
        min_value=0,
        required=False,
    )

    def __init__(self, *args, current_key: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *countable_choices()]
        # A key stored as data stays selectable even while its app is not installed.
        if current_key and current_key not in dict(choices):
            choices.append((current_key, current_key))
        self.fields["count_key"].choices = choices

    def clean_count_filters(self):
        raw = self.cleaned_data["count_filters"].strip()
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except ValueError as error:
            raise forms.ValidationError(_("Enter the filters as JSON.")) from error
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Enter the filters as JSON."))
        return value


class AssessmentForm(forms.Form):
    scheme = forms.ModelChoiceField(label=_("scheme"), queryset=AssessmentScheme.objects.none())
    target_kind = forms.ChoiceField(label=_("assessed"), choices=Assessment.TargetKind.choices)
    target_unit = forms.ModelChoiceField(
        label=_("assessed unit"),
        queryset=OrgUnit.objects.none(),
        required=False,
        help_text=_("For a section or a county unit."),
    )
    target_person = PersonChoiceField(
        label=_("assessed person"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("For a leadership member."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scheme"].queryset = AssessmentScheme.objects.active().order_by("-year", "name")
        self.fields["target_unit"].queryset = OrgUnit.objects.filter(
            kind__in=[OrgUnit.Kind.SECTION, OrgUnit.Kind.COUNTY_UNIT], is_active=True
        ).order_by("kind", "sort_order", "name")
        self.fields["target_person"].queryset = _leaders()


class ScoreForm(forms.Form):
    score = forms.DecimalField(label=_("score"), max_digits=6, decimal_places=2, required=False)
    veto_triggered = forms.BooleanField(label=_("veto triggered"), required=False)
    reason = forms.CharField(label=_("explanation"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
