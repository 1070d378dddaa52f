"""Small template helpers shared by every page."""

from django import forms, template
from django.utils import timezone

register = template.Library()

_CHECK_WIDGETS = (forms.CheckboxInput, forms.RadioSelect, forms.CheckboxSelectMultiple)


@register.simple_tag
def bootstrap_widget(bound_field):
    """Render a field's widget with Bootstrap's classes, marked invalid when it has errors."""
    widget = bound_field.field.widget
    if isinstance(widget, _CHECK_WIDGETS):
        css = "form-check-input"
    elif isinstance(widget, forms.Select | forms.SelectMultiple):
        css = "form-select"
    else:
        css = "form-control"
    if bound_field.errors:
        css += " is-invalid"
    existing = widget.attrs.get("class", "")
    attrs = {"class": f"{existing} {css}".strip()}
    if bound_field.errors:
        attrs["aria-describedby"] = f"{bound_field.auto_id}_errors"
    return bound_field.as_widget(attrs=attrs)


@register.filter
def is_checkbox(bound_field) -> bool:
    return isinstance(bound_field.field.widget, forms.CheckboxInput)


@register.filter
def minutes(duration) -> int:
    """A timedelta in whole minutes, rounded up."""
    if duration is None:
        return 0
    return -(-int(duration.total_seconds()) // 60)


@register.simple_tag
def time_span(start, end) -> str:
    """A period a person can place: 12月5日 08:30–17:30 within a day, 12月5日 08:30 – 12月6日 08:30 across
    midnight (a 24-hour shift shown as "08:30–08:30" says nothing), with the year when it is not this one."""
    if start is None or end is None:
        return ""
    start, end = timezone.localtime(start), timezone.localtime(end)
    this_year = timezone.localdate().year

    def day(moment) -> str:
        prefix = f"{moment.year}年" if moment.year != this_year else ""
        return f"{prefix}{moment.month}月{moment.day}日"

    if start.date() == end.date():
        return f"{day(start)} {start:%H:%M}–{end:%H:%M}"
    return f"{day(start)} {start:%H:%M} – {day(end)} {end:%H:%M}"
