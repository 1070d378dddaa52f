"""List filters: year, kind and a free-text search, as the ledgers are usually looked up."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ideology_office.accounts.models import OrgUnit
from ideology_office.common.filters import VoidStateFilterSet, YesNoFilter
from ideology_office.common.query_params import YearFilter

from .models import (
    Assessment,
    DutyAssignment,
    FollowUpAction,
    LeadingGroupMembership,
    OfficeMeeting,
    WorkPriority,
)


class MembershipFilter(VoidStateFilterSet):
    role = django_filters.ChoiceFilter(
        label=_("role in the group"), choices=LeadingGroupMembership.Role.choices
    )
    q = django_filters.CharFilter(label=_("search"), method="search")

    class Meta:
        model = LeadingGroupMembership
        fields = ["role"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(person__real_name__icontains=value)
            | Q(start_reason__icontains=value)
            | Q(end_reason__icontains=value)
        )


class AssignmentFilter(VoidStateFilterSet):
    year = YearFilter(label=_("year"))
    q = django_filters.CharFilter(label=_("search"), method="search")

    class Meta:
        model = DutyAssignment
        fields = ["year"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(leader__real_name__icontains=value)
            | Q(fields_in_charge__icontains=value)
            | Q(duties__icontains=value)
        )


class MeetingFilter(VoidStateFilterSet):
    year = YearFilter(label=_("year"), field_name="date", lookup_expr="year")
    on_ideology = YesNoFilter(label=_("dedicated to ideology work"))
    section = django_filters.ModelChoiceFilter(
        label=_("recorded by section"), queryset=OrgUnit.objects.filter(kind=OrgUnit.Kind.SECTION)
    )
    q = django_filters.CharFilter(label=_("search"), method="search")

    class Meta:
        model = OfficeMeeting
        fields = ["on_ideology", "section"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(title__icontains=value)
            | Q(decisions__icontains=value)
            | Q(agenda_items__title__icontains=value)
        ).distinct()


class FollowUpFilter(VoidStateFilterSet):
    status = django_filters.ChoiceFilter(label=_("status"), choices=FollowUpAction.Status.choices)
    mine = YesNoFilter(label=_("only mine"), method="filter_mine")
    q = django_filters.CharFilter(label=_("search"), method="search")

    class Meta:
        model = FollowUpAction
        fields = ["status"]

    def filter_mine(self, queryset, name, value):
        return queryset.filter(owner=self.request.user) if value else queryset

    def search(self, queryset, name, value):
        return queryset.filter(Q(description__icontains=value) | Q(owner__real_name__icontains=value))


class PriorityFilter(VoidStateFilterSet):
    year = YearFilter(label=_("year"))
    concerns_ideology = YesNoFilter(label=_("concerns ideology work"))
    q = django_filters.CharFilter(label=_("search"), field_name="text", lookup_expr="icontains")

    class Meta:
        model = WorkPriority
        fields = ["year", "concerns_ideology"]


class AssessmentFilter(VoidStateFilterSet):
    year = YearFilter(label=_("year"), field_name="scheme__year")
    status = django_filters.ChoiceFilter(label=_("status"), choices=Assessment.Status.choices)
    target_kind = django_filters.ChoiceFilter(label=_("assessed"), choices=Assessment.TargetKind.choices)
    q = django_filters.CharFilter(label=_("search"), method="search")

    class Meta:
        model = Assessment
        fields = ["status", "target_kind"]

    def search(self, queryset, name, value):
        return queryset.filter(
            Q(target_unit__name__icontains=value) | Q(target_person__real_name__icontains=value)
        )
