from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ideology_office.accounts.models import User
from ideology_office.common.forms import PeopleChoiceField, PersonChoiceField, people_for_choice
from ideology_office.common.query_params import DateInRangeField

from .models import ContentItem, KeyDate, Platform, PublicationAction, SignOff


class ContentItemForm(forms.Form):
    platform = forms.ModelChoiceField(label=_("Platform"), queryset=Platform.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Content"), widget=forms.Textarea(attrs={"rows": 14}))
    sensitivity = forms.ChoiceField(
        label=_("Sensitivity"),
        choices=ContentItem.Sensitivity.choices,
        initial=ContentItem.Sensitivity.NORMAL,
    )

    def __init__(self, *args, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["platform"].queryset = Platform.objects.filter(is_active=True).exclude(
            kind__in=Platform.PHYSICAL_KINDS
        )
        if editing:
            del self.fields["platform"]


class SignForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (SignOff.Decision.APPROVE, _("Approve")),
            (SignOff.Decision.REJECT, _("Return to the author")),
        ],
    )
    opinion = forms.CharField(label=_("Opinion"), widget=forms.Textarea(attrs={"rows": 3}))
    revision_id = forms.IntegerField(widget=forms.HiddenInput)


class AssignReviewersForm(forms.Form):
    step = forms.ChoiceField(label=_("Step"))
    reviewers = PeopleChoiceField(label=_("Reviewers"), queryset=User.objects.none())

    def __init__(self, *args, item: ContentItem, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["step"].choices = [(step, SignOff.Step(step).label) for step in item.required_steps]
        self.fields["reviewers"].queryset = people_for_choice().exclude(pk=item.author_id)


class PublishForm(forms.Form):
    published_at = forms.DateTimeField(
        label=_("Published at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), required=False
    )
    url = forms.URLField(label=_("URL"), required=False, assume_scheme="https")
    post_id = forms.CharField(label=_("Post id"), max_length=100, required=False)

    def clean_published_at(self):
        value = self.cleaned_data.get("published_at")
        if value and value > timezone.now():
            raise forms.ValidationError(_("The published time cannot be in the future."))
        return value


class PublicationActionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=PublicationAction.Kind.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class PhysicalUpdateForm(forms.Form):
    content = forms.CharField(label=_("What was posted"), widget=forms.Textarea(attrs={"rows": 4}))
    start_date = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(
        label=_("Until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    approved_by = PersonChoiceField(label=_("Approved by"), queryset=User.objects.none())
    photo = forms.FileField(label=_("Photo"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approved_by"].queryset = people_for_choice()


class PublicityTaskForm(forms.Form):
    key_date = forms.ModelChoiceField(label=_("Key date"), queryset=KeyDate.objects.filter(is_active=True))
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2049)
    title = forms.CharField(label=_("Task"), max_length=200)
    owner = PersonChoiceField(label=_("Owner"), queryset=User.objects.none())
    deadline = forms.DateField(label=_("Deadline"), widget=forms.DateInput(attrs={"type": "date"}))
    platform = forms.ModelChoiceField(
        label=_("Position"), queryset=Platform.objects.filter(is_active=True), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = people_for_choice()


class LedgerPeriodForm(forms.Form):
    start = DateInRangeField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = DateInRangeField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The start of the period must not be after its end."))
        return data
