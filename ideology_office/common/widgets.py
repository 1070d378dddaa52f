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


class GroupedModelChoiceIterator(forms.models.ModelChoiceIterator):
    """Choices grouped under headings (``<optgroup>``) read from each object by the field's ``group_of``,
    in queryset order. Only the display is grouped: the field still validates against its queryset."""

    def __iter__(self) -> Iterator:
        if getattr(self.field, "group_of", None) is None:
            yield from super().__iter__()
            return
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        groups: dict[str, list] = {}
        for obj in self.queryset:
            groups.setdefault(str(self.field.group_of(obj)), []).append(self.choice(obj))
        yield from groups.items()


class GroupedChoicesMixin:
    """For a ModelChoiceField: ``group_of(obj)`` names the heading an object is listed under."""

    iterator = GroupedModelChoiceIterator
    group_of: Callable[[Any], str] | None = None

    def __init__(self, *args, group_of: Callable[[Any], str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if group_of is not None:
            self.group_of = group_of
