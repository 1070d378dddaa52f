from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Exists, Q, Subquery
from django.forms.models import ModelChoiceIterator
from django.forms.renderers import TemplatesSetting
from django.urls import reverse_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .file_types import accepted_extensions
from .widgets import (
    BoundedSearchableSelectMultiple,
    GroupedChoicesMixin,
    PersonSelect,
    SearchableSelect,
    written_bounded_select,
    written_select,
)


class ProjectFormRenderer(TemplatesSetting):
    """Every form renders its fields through templates/components/, with Bootstrap classes and
    field errors under each field."""

    form_template_name = "components/form.html"
    field_template_name = "components/field.html"

    def render(self, template_name, context, request=None):
        # Selects are written in Python (common/widgets.py says why); everything else by its template.
        write = _WRITTEN_IN_PYTHON.get(template_name)
        written = write(context["widget"]) if write is not None else None
        return written if written is not None else super().render(template_name, context, request)


_WRITTEN_IN_PYTHON = {
    "django/forms/widgets/select.html": written_select,
    "components/widgets/bounded_select.html": written_bounded_select,
}


def camera_photo_field() -> forms.FileField:
    """A photo taken with the phone's rear camera (``capture``): on a phone the input opens the
    camera directly, so it sits beside the ordinary file input, which still picks documents."""
    return forms.FileField(
        label=_("Or take a photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )


def file_or_photo(form: forms.Form, file_field: str, *, required: bool) -> None:
    """Put the camera's photo in ``file_field`` when no file was chosen; one of the two at most."""
    data = form.cleaned_data
    photo = data.pop("photo", None)
    if data.get(file_field) and photo:
        form.add_error("photo", _("Choose a file or take a photo, not both."))
    elif photo:
        data[file_field] = photo
    elif required and not data.get(file_field) and file_field not in form.errors:
        form.add_error(file_field, _("Choose a file or take a photo."))


class AttachmentUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Evidence file"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(accepted_extensions())}),
    )
    photo = camera_photo_field()
    description = forms.CharField(label=_("Description"), max_length=200, required=False)

    def clean(self):
        cleaned_data = super().clean()
        file_or_photo(self, "file", required=True)
        return cleaned_data


class VoidForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for voiding"), widget=forms.Textarea(attrs={"rows": 2}), max_length=500
    )


def apply_service_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's refusal on the form that led to it: each message under the field it
    names when the form has that field, the others above the form. Services raise
    ValidationError whichever door called them; only a form knows where to show it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class _ShortListIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        shown = list(self.queryset[: self.field.shown])
        chosen = {str(pk) for pk in self.field.chosen if pk not in (None, "")}
        missing = chosen - {str(obj.pk) for obj in shown}
        if missing:
            shown = list(self.queryset.filter(pk__in=missing)) + shown
        for obj in shown:
            yield self.choice(obj)


class ShortListModelChoiceField(forms.ModelChoiceField):
    """A choice among many records: the form validates against the whole ``queryset`` (the
    records the person may see), while the drop-down lists only the first ``shown`` of them and
    the one already chosen. Cutting the queryset itself would reject every choice: a sliced
    queryset cannot be filtered, so each submitted value would be "not one of the choices"."""

    iterator = _ShortListIterator

    def __init__(self, queryset, *, shown: int = 50, search_url: str | None = None, **kwargs):
        self.shown = shown
        self.chosen: tuple = ()
        if search_url is not None:
            # The browser finds the others by typing (common/choices.py answers over the same visible set).
            kwargs.setdefault("widget", SearchableSelect(attrs={"data-search-url": search_url}))
        super().__init__(queryset, **kwargs)

    def keep_choice(self, value) -> None:
        """List ``value`` (a bound or initial primary key) even when it is not among the first."""
        self.chosen = (value,) if value not in (None, "") else ()


# People and long record lists ----------------------------------------------------------------------


def people_for_choice():
    """Active people in section order, with the section read in the same query (the choices group by it)."""
    from ideology_office.accounts.models import User

    return (
        User.objects.filter(is_active=True)
        .select_related("section")
        .order_by("section__sort_order", "section__name", "real_name", "username")
    )


def person_label(person) -> str:
    """姓名（职务）: the name people know each other by, and the post that tells two of them apart."""
    name = person.real_name or person.username
    return f"{name}（{person.title}）" if person.title else name


def section_heading(person) -> str:
    return person.section.name if person.section_id else gettext("No section")


def own_section(queryset):
    """The people of the requester's own section: the short list of a person select that cannot list
    everyone (the others are found by typing). One query through the section's index; ranking one's
    own section first among all 10,000 people of a county sorted them all, 9–19 ms a field."""
    from ideology_office.accounts.models import User

    from .audit import current_actor

    actor = current_actor().user_id
    if actor is None:
        return queryset.none()
    requester = User.objects.filter(pk=actor)
    # Someone with no section (a county leader) is listed the others with none, through the same
    # index, instead of the first of all people, which sorted them all (20 ms a field).
    return queryset.filter(
        Q(section_id=Subquery(requester.values("section_id")[:1]))
        | Q(section_id__isnull=True) & Exists(requester.filter(section_id__isnull=True))
    )


PEOPLE_NOTE = _(
    "Only the people of your section and those chosen are listed here; "
    "with JavaScript on, type a name, user name or section to find anyone else."
)


class _PeopleFieldMixin(GroupedChoicesMixin):
    """What the person and people fields share: each person under their section as 姓名（职务）, and at
    county scale (more people than ``shown``) only the chosen ones and one's own section listed, the
    others found by typing (``common:people_choices``). The queryset still decides what is valid."""

    group_of = staticmethod(section_heading)
    search_url = reverse_lazy("common:people_choices")
    short_list = staticmethod(own_section)
    bounded_note = PEOPLE_NOTE

    def label_from_instance(self, obj):
        return person_label(obj)


class PersonChoiceField(_PeopleFieldMixin, forms.ModelChoiceField):
    """One person, listed under their section (a plain select while everyone fits in it)."""

    widget = PersonSelect


class PeopleChoiceField(_PeopleFieldMixin, forms.ModelMultipleChoiceField):
    """Several people (出席人员, 参会人员…): searchable, listed under their sections, chosen ones as chips."""

    widget = BoundedSearchableSelectMultiple


class GroupedRecordsChoiceField(GroupedChoicesMixin, forms.ModelMultipleChoiceField):
    """Several records of a long list, searchable and grouped by ``group_of`` (e.g. findings by
    inspection); with a ``search_url`` only the first ``shown`` and the chosen ones are listed."""

    widget = BoundedSearchableSelectMultiple


#: The one joiner of several reasons in a refusal shown as a message (a page's, the admin's).
REFUSAL_JOINER = "；"


def refusal_text(error: Exception) -> str:
    """A service's refusal (ValidationError or PermissionDenied) as one line, its reasons joined
    with "；"."""
    reasons = getattr(error, "messages", None) or [str(error) or _("You may not do this.")]
    return REFUSAL_JOINER.join(str(reason) for reason in reasons)


def form_errors_text(form: forms.Form) -> str:
    """A small form's errors as one line: each under its field's label (“期限：…”), joined with "；"."""
    parts = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else ""
        parts.extend(f"{label}：{message}" if label else str(message) for message in errors)
    return REFUSAL_JOINER.join(parts)
