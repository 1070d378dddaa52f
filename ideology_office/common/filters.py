"""Showing or hiding voided records, the same way on every list of a voidable record kind."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

VOID_CHOICES = (("active", _("Valid records")), ("voided", _("Voided records")), ("all", _("All records")))


def void_state(request) -> str:
    """The ``state`` asked for in the query string: ``active`` (the default), ``voided`` or ``all``."""
    value = request.GET.get("state", "")
    return value if value in dict(VOID_CHOICES) else "active"


def filter_void_state(queryset: QuerySet, state: str, lookups: tuple[str, ...] = ("voided_at",)) -> QuerySet:
    """The valid rows, the voided ones or all. ``lookups`` name every void that takes a row out of
    use (a task is out of use when its finding or inspection is voided too)."""
    if state == "all":
        return queryset
    voided = Q()
    for lookup in lookups:
        voided |= Q(**{f"{lookup}__isnull": False})
    return queryset.filter(voided) if state == "voided" else queryset.exclude(voided)


class VoidStateFilterSet(django_filters.FilterSet):
    """Voided records stay in the ledger, marked 已作废, but a list hides them unless asked for:
    the ``state`` filter shows the valid ones (the default), the voided ones, or all."""

    #: The void fields that take a row out of use: its own, and where it matters its parents'.
    void_lookups: tuple[str, ...] = ("voided_at",)

    state = django_filters.ChoiceFilter(
        label=_("records"), choices=VOID_CHOICES, method="filter_state", empty_label=None
    )

    def __init__(self, data=None, *args, **kwargs):
        # Bound even without parameters, so that the first view of a list hides voided records too.
        super().__init__(data if data is not None else {}, *args, **kwargs)

    def filter_queryset(self, queryset):
        if not self.form.cleaned_data.get("state"):
            queryset = filter_void_state(queryset, "active", self.void_lookups)
        return super().filter_queryset(queryset)

    def filter_state(self, queryset, name, value):
        return filter_void_state(queryset, value or "active", self.void_lookups)


class YesNoSelect(forms.NullBooleanSelect):
    """全部/是/否: the empty choice of a yes/no filter shows every record, and says so (Django's
    own select calls it 未知)."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = [("unknown", _("All")), ("true", _("Yes")), ("false", _("No"))]


class YesNoFilter(django_filters.BooleanFilter):
    """The yes/no filter of every list's filter bar."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", YesNoSelect)
        super().__init__(*args, **kwargs)
