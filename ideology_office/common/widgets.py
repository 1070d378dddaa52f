"""Form widgets shared by every work area.

A long list of people or records (出席人员, 参会人员, 学习材料…) is a searchable multi-select: the plain
``<select multiple>`` is marked ``data-searchable`` and ``static/js/multiselect.js`` turns it into a Tom Select
box (search, chips for the chosen rows, options grouped by section). Without JavaScript the plain select still
works, so nothing depends on the script.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from typing import Any

from django import forms
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import gettext_lazy as _


class SearchableSelectMultiple(forms.SelectMultiple):
    """A multi-select the browser enhances with search and chips."""

    def __init__(self, attrs: dict[str, Any] | None = None, *, placeholder=None):
        attrs = {"data-searchable": "multi", "size": 8, **(attrs or {})}
        attrs.setdefault("data-placeholder", placeholder or _("Type to search…"))
        attrs.setdefault("data-no-results", _("Nothing matches."))
        super().__init__(attrs)


def _escaped(value) -> str:
    """``conditional_escape(value)`` without its lazy-aware wrapper (a select writes it thousands of
    times a page): safe text as it is, anything else through ``html.escape`` as Django's ``escape``."""
    if type(value) is str:
        return html.escape(value)
    if isinstance(value, SafeData):
        return str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _attributes(attrs: dict[str, Any]) -> str:
    """Attributes as ``django/forms/widgets/attrs.html`` writes them, in their order."""
    return "".join(
        f" {name}" if value is True else f' {name}="{_escaped(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


#: The option template every select of the product uses (templates/django/forms/widgets/select_option.html).
_OPTION_TEMPLATE = "django/forms/widgets/select_option.html"
#: Django's empty choice; templates/django/forms/widgets/select_option.html shows it as 请选择….
_DASHES = "---------"


def _option_label(label) -> str:
    return _escaped(_("Please choose…") if label == _DASHES else label)


def written_select(widget: dict[str, Any]) -> SafeString | None:
    """A select's HTML written in Python from its widget context, exactly what the templates
    ``django/forms/widgets/select.html`` and ``select_option.html`` write (tests/common/test_written_select.py
    compares the two), or None when an option has a template of its own. Through the templates every
    option costs an include and an attrs loop: the county's 300 sections took 40 ms a select, and
    the selects were a fifth of the web's CPU under load (bench/README-load.md)."""
    parts = [f'<select name="{_escaped(widget["name"])}"{_attributes(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'<optgroup label="{_escaped(group_name)}">')
        for option in options:
            if option["template_name"] != _OPTION_TEMPLATE:
                return None
            parts.append(
                f'<option value="{_escaped(option["value"])}"{_attributes(option["attrs"])}>'
                f"{_option_label(option['label'])}</option>"
            )
        if group_name:
            parts.append("</optgroup>")
    parts.append("</select>")
    return mark_safe("".join(parts))  # noqa: S308 - every name, value, label and attribute is escaped above


def written_bounded_select(widget: dict[str, Any]) -> SafeString | None:
    """``components/widgets/bounded_select.html`` written in Python: the select, then its note for a
    browser without JavaScript when only some choices are listed."""
    select = written_select(widget)
    if select is None or not widget.get("bounded_note"):
        return select
    note = conditional_escape(widget["bounded_note"])
    return mark_safe(f'{select}\n<noscript>\n<div class="form-text">{note}</div>\n</noscript>')  # noqa: S308 - escaped


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
        # Whether there is a row past the shown ones, asked unordered: sorting a county's 10,000
        # people to take 81 of them cost 20 ms a select (bench/README-load.md).
        field.bounded = self.queryset.order_by()[shown : shown + 1].exists()
        if not field.bounded:
            return list(self.queryset)
        short_list = getattr(field, "short_list", None)
        rows = (list(short_list(self.queryset)[:shown]) if short_list else []) or list(self.queryset[:shown])
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
