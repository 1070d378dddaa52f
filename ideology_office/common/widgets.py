"""Form widgets shared by every work area.

A long list of people or records (出席人员, 参会人员, 学习材料…) is a searchable multi-select: the plain
``<select multiple>`` is marked ``data-searchable`` and ``static/js/multiselect.js`` turns it into a Tom Select
box (search, chips for the chosen rows, options grouped by section). Without JavaScript the plain select still
works, so nothing depends on the script.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from django import forms
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _


class SearchableSelectMultiple(forms.SelectMultiple):
    """A multi-select the browser enhances with search and chips."""

    def __init__(self, attrs: dict[str, Any] | None = None, *, placeholder=None):
        attrs = {"data-searchable": "multi", "size": 8, **(attrs or {})}
        attrs.setdefault("data-placeholder", placeholder or _("Type to search…"))
        attrs.setdefault("data-no-results", _("Nothing matches."))
        super().__init__(attrs)


def _attributes(attrs: dict[str, Any]) -> str:
    """Attributes as ``django/forms/widgets/attrs.html`` writes them, in their order."""
    return "".join(
        f" {name}" if value is True else f' {name}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class PlainSelect(forms.Select):
    """A select written out in Python rather than through a template per option: the same HTML as
    ``forms.Select``, for a list of hundreds of options on a page that must be quick (the
    dashboard's 300 sections cost 40 ms through the option templates, under 1 ms here)."""

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{escape(widget["name"])}"{_attributes(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'<optgroup label="{escape(group_name)}">')
            parts.extend(
                f'<option value="{escape(option["value"])}"{_attributes(option["attrs"])}>{escape(option["label"])}</option>'
                for option in options
            )
            if group_name:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value and label is escaped above


class SearchableSelect(forms.Select):
    """A single choice among many, with search."""

    def __init__(self, attrs: dict[str, Any] | None = None, *, placeholder=None):
        attrs = {"data-searchable": "single", **(attrs or {})}
        attrs.setdefault("data-placeholder", placeholder or _("Type to search…"))
        attrs.setdefault("data-no-results", _("Nothing matches."))
        super().__init__(attrs)


#: Up to this many choices a select lists them all (an office's people, as before); beyond it (a county's
#: 10,000 people) it lists the chosen ones and a short list, and the browser finds the rest on the server.
SHOWN_CHOICES = 80


def _chosen_pks(values) -> list[str]:
    """The chosen primary keys among a widget's values, leaving out what could not be one."""
    if values is None or isinstance(values, str | int):
        values = [values]
    return [str(value) for value in values if value not in (None, "") and str(value).isdigit()]


class GroupedModelChoiceIterator(forms.models.ModelChoiceIterator):
    """Choices grouped under headings (``<optgroup>``) read from each object by the field's ``group_of``,
    in queryset order. Only the display is grouped: the field still validates against its queryset.

    A field with a ``search_url`` lists at most ``shown`` rows when its queryset holds more: the chosen
    ones (kept on a form sent back with errors) and the field's short list (``short_list(queryset)``,
    e.g. the people of one's own section; else, or when it is empty, the first rows); ``field.bounded``
    then says so, and the widget asks the server for the others as the person types (``BoundedChoicesWidgetMixin``)."""

    def __iter__(self) -> Iterator:
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        rows = self._rows()
        group_of = getattr(self.field, "group_of", None)
        if group_of is None:
            for obj in rows:
                yield self.choice(obj)
            return
        groups: dict[str, list] = {}
        for obj in rows:
            groups.setdefault(str(group_of(obj)), []).append(self.choice(obj))
        yield from groups.items()

    def _rows(self) -> list:
        field = self.field
        shown = getattr(field, "shown", None)
        if not shown or not getattr(field, "search_url", None):
            return list(self.queryset)
        rows = list(self.queryset[: shown + 1])
        field.bounded = len(rows) > shown
        if not field.bounded:
            return rows
        short_list = getattr(field, "short_list", None)
        rows = (list(short_list(self.queryset)[:shown]) if short_list else []) or rows[:shown]
        listed = {str(obj.pk) for obj in rows}
        missing = [pk for pk in _chosen_pks(getattr(field, "chosen", ())) if pk not in listed]
        if missing:
            rows = list(self.queryset.filter(pk__in=missing)) + rows
        return rows


class GroupedChoicesMixin:
    """For a ModelChoiceField: ``group_of(obj)`` names the heading an object is listed under. With a
    ``search_url`` (a JSON search over the same records, ``common/choices.py``) a long queryset lists
    only ``shown`` rows besides the chosen ones (see ``GroupedModelChoiceIterator``)."""

    iterator = GroupedModelChoiceIterator
    group_of: Callable[[Any], str] | None = None
    search_url: Any = None
    shown: int = SHOWN_CHOICES
    #: The rows listed first when not all are (a callable: queryset → queryset); None: the first rows.
    short_list: Callable[[Any], Any] | None = None

    def __init__(
        self,
        *args,
        group_of: Callable[[Any], str] | None = None,
        search_url=None,
        shown: int | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.bounded = False
        self.chosen: list = []
        if group_of is not None:
            self.group_of = group_of
        if search_url is not None:
            self.search_url = search_url
        if shown is not None:
            self.shown = shown


class BoundedChoicesWidgetMixin:
    """A select whose field may list only some of its choices (``GroupedChoicesMixin``): the chosen
    values are kept among the options, and when the list was cut the select becomes searchable with
    the field's ``search_url`` and says, for a browser without JavaScript, how to find the others."""

    template_name = "components/widgets/bounded_select.html"

    def get_context(self, name, value, attrs):
        field = getattr(self.choices, "field", None)
        if field is not None:
            field.chosen = _chosen_pks(value)
        context = super().get_context(name, value, attrs)  # type: ignore[misc]
        if field is not None and getattr(field, "bounded", False):
            widget_attrs = context["widget"]["attrs"]
            widget_attrs.setdefault("data-searchable", "multi" if self.allow_multiple_selected else "single")
            widget_attrs.setdefault("data-placeholder", _("Type to search…"))
            widget_attrs.setdefault("data-no-results", _("Nothing matches."))
            widget_attrs["data-search-url"] = str(field.search_url)
            context["widget"]["bounded_note"] = getattr(field, "bounded_note", None) or _(
                "Only some are listed here; with JavaScript on, type to find the others."
            )
        return context


class PersonSelect(BoundedChoicesWidgetMixin, forms.Select):
    """One person: a plain select while the people fit in it, searchable once they do not."""


class BoundedSearchableSelectMultiple(BoundedChoicesWidgetMixin, SearchableSelectMultiple):
    """Several people or records, searchable, listing only some of them when they are many."""
