import functools

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ideology_office.accounts.models import OrgUnit, User
from ideology_office.common.forms import PersonChoiceField, apply_service_error, people_for_choice
from ideology_office.common.widgets import SearchableSelectMultiple

from . import permissions, services
from .models import Attendance, LearningPlatform, ReadingClass, StudyMaterial, StudySession
from .services import AttendanceLine, SpeechLine


def _sections():
    return OrgUnit.objects.filter(is_active=True, kind__in=[OrgUnit.Kind.SECTION, OrgUnit.Kind.OFFICE])


class SessionForm(forms.ModelForm):
    tag_names = forms.CharField(
        label=_("Topic tags"),
        required=False,
        help_text=_("Separate tags with 、 or commas; new tags are added to the list."),
    )

    class Meta:
        model = StudySession
        fields = [
            "kind",
            "first_agenda_venue",
            "date",
            "start_time",
            "end_time",
            "place",
            "section",
            "host",
            "recorder",
            "topic",
            "materials",
            "minutes",
        ]
        widgets = {
            "date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "end_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "minutes": forms.Textarea(attrs={"rows": 4}),
            "materials": SearchableSelectMultiple(),
        }
        field_classes = {"host": PersonChoiceField, "recorder": PersonChoiceField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        kinds = [
            choice for choice in StudySession.Kind.choices if choice[0] != StudySession.Kind.READING_CLASS
        ]
        self.fields["kind"].choices = kinds
        sections = _sections()
        if not permissions.changes_everything(user):
            sections = sections.filter(pk=user.section_id)
        self.fields["section"].queryset = sections
        self.fields["host"].queryset = people_for_choice()
        self.fields["recorder"].queryset = people_for_choice()
        self.fields["materials"].queryset = StudyMaterial.objects.active().order_by("-issued_on")
        if self.instance.pk:
            self.fields["tag_names"].initial = "、".join(tag.name for tag in self.instance.tags.all())
        elif not self.is_bound and user.section_id:
            self.fields["section"].initial = user.section_id

    def clean(self):
        data = super().clean()
        if data.get("kind") == StudySession.Kind.FIRST_AGENDA and not data.get("first_agenda_venue"):
            self.add_error(
                "first_agenda_venue", _("Choose the meeting the first agenda item was studied at.")
            )
        return data


class AttendanceScopeForm(forms.Form):
    """Whose people the attendance table lists: those recorded (on an edit), the whole office, or a
    section. A form field so that its 300 sections are written by the form renderer in Python: the
    template's loop over them was half of the edit page's time (bench/README-load.md)."""

    attendees = forms.ChoiceField(label=_("List the people of"), required=False)

    def __init__(self, *, scope: str, path: str, recorded: bool):
        super().__init__(initial={"attendees": scope}, auto_id="%s")
        field = self.fields["attendees"]

        @functools.cache  # once, however often the widget iterates them
        def choices():
            sections = OrgUnit.objects.filter(kind=OrgUnit.Kind.SECTION, is_active=True).values_list(
                "pk", "name"
            )
            return [
                *([("recorded", _("Those recorded"))] if recorded else []),
                ("office", _("The whole office")),
                *((str(pk), name) for pk, name in sections),
            ]

        # Read when the select is written: the table's htmx swap does not show it, nor query for it.
        field.choices = choices
        # Changing it swaps the table in place, keeping what was marked (hx-include).
        field.widget.attrs.update(
            {
                "class": "form-select form-select-sm",
                "hx-get": path,
                "hx-target": "#attendance-table",
                "hx-include": "#attendance-table",
                "hx-select": "#attendance-table",
                "hx-swap": "outerHTML",
                "hx-trigger": "change",
            }
        )


class AttendanceTableForm(forms.Form):
    """One row per listed person: a status (present by default) and a reason when absent.
    Thirty people are recorded by changing only the few who were not there."""

    NOT_LISTED = ""

    def __init__(self, *args, people, initial_lines=None, carried=None, **kwargs):
        """``carried``: person → (status, reason) already marked on the page before the list
        of people changed; they win over the recorded lines and the defaults."""
        super().__init__(*args, **kwargs)
        self.people = list(people)
        existing = {line.person_id: line for line in (initial_lines or [])}
        carried = carried or {}
        choices = [(self.NOT_LISTED, _("Not expected")), *Attendance.Status.choices]
        self.rows = []
        for person in self.people:
            current = existing.get(person.pk)
            status, reason = (
                current.status if current else (Attendance.Status.PRESENT if not existing else ""),
                current.absence_reason if current else "",
            )
            if person.pk in carried:
                status, reason = carried[person.pk]
            status_name, reason_name = f"status_{person.pk}", f"reason_{person.pk}"
            self.fields[status_name] = forms.ChoiceField(
                label=str(person), choices=choices, required=False, initial=status
            )
            self.fields[reason_name] = forms.CharField(
                label=_("Reason for absence"), max_length=100, required=False, initial=reason
            )
            self.rows.append((person, self[status_name], self[reason_name]))

    def clean(self):
        data = super().clean()
        for person in self.people:
            if (
                data.get(f"status_{person.pk}") == Attendance.Status.ABSENT
                and not (data.get(f"reason_{person.pk}") or "").strip()
            ):
                self.add_error(f"reason_{person.pk}", _("Give the reason for the absence."))
        return data

    def lines(self) -> list[AttendanceLine]:
        return [
            AttendanceLine(
                person=person,
                status=self.cleaned_data[f"status_{person.pk}"],
                absence_reason=self.cleaned_data.get(f"reason_{person.pk}", ""),
            )
            for person in self.people
            if self.cleaned_data.get(f"status_{person.pk}")
        ]


class SpeechForm(forms.Form):
    speaker = PersonChoiceField(label=_("Speaker"), queryset=User.objects.none(), required=False)
    content = forms.CharField(
        label=_("What was said"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["speaker"].queryset = people if people is not None else people_for_choice()

    def clean(self):
        data = super().clean()
        if data.get("content", "").strip() and not data.get("speaker"):
            self.add_error("speaker", _("Choose who said it."))
        return data


SpeechFormSet = forms.formset_factory(SpeechForm, extra=2, max_num=30)


def speech_lines(formset) -> list[SpeechLine]:
    return [
        SpeechLine(speaker=form.cleaned_data["speaker"], content=form.cleaned_data["content"])
        for form in formset
        if form.cleaned_data.get("speaker") and form.cleaned_data.get("content", "").strip()
    ]


class MaterialForm(forms.ModelForm):
    class Meta:
        model = StudyMaterial
        fields = ["title", "kind", "issued_on", "source"]
        widgets = {"issued_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class ReadingClassForm(forms.ModelForm):
    place = forms.CharField(label=_("place"), max_length=100, required=False)
    host = PersonChoiceField(label=_("host"), queryset=User.objects.none(), required=False)
    daily_topics = forms.CharField(
        label=_("Readings of each day"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One line per day, in order."),
    )

    class Meta:
        model = ReadingClass
        fields = ["title", "theme", "section", "start_date", "end_date"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "end_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        sections = _sections()
        if not permissions.changes_everything(user):
            sections = sections.filter(pk=user.section_id)
        self.fields["section"].queryset = sections
        self.fields["host"].queryset = people_for_choice()

    def clean(self):
        data = super().clean()
        # The service's rule, repeated here so the page answers before anything is written.
        try:
            services.reading_class_dates_check(data.get("start_date"), data.get("end_date"))
        except ValidationError as error:
            apply_service_error(self, error)
        return data


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file contains"))
    file = forms.FileField(
        label=_("Spreadsheet"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
        help_text=_("An .xlsx or .csv file with the template's Chinese column headers."),
    )

    def __init__(self, *args, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = kinds


class MonthForm(forms.Form):
    month = forms.DateField(
        label=_("Month"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    platform = forms.ModelChoiceField(
        label=_("Platform"),
        queryset=LearningPlatform.objects.all(),
        required=False,
        empty_label=_("All platforms"),
    )


class BulletinForm(forms.Form):
    month = forms.DateField(
        label=_("Month"),
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
    )
    platform = forms.ModelChoiceField(label=_("Platform"), queryset=LearningPlatform.objects.all())
    note = forms.CharField(label=_("Remarks"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
