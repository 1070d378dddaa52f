import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from ideology_office.common.filters import VoidStateFilterSet
from ideology_office.common.query_params import YearFilter

from .models import Field, InformationReport, OpinionIncident, OpinionReview, Severity, ShiftSwap


class IncidentFilter(VoidStateFilterSet):
    q = django_filters.CharFilter(field_name="summary", lookup_expr="icontains", label=_("Search"))
    severity = django_filters.ChoiceFilter(choices=Severity.choices, label=_("severity"))
    field = django_filters.ChoiceFilter(choices=Field.choices, label=_("field"))
    status = django_filters.ChoiceFilter(choices=OpinionIncident.Status.choices, label=_("status"))
    found_from = django_filters.DateFilter(
        field_name="found_at",
        lookup_expr="date__gte",
        label=_("Found from"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    found_to = django_filters.DateFilter(
        field_name="found_at",
        lookup_expr="date__lte",
        label=_("Found until"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = OpinionIncident
        fields = ["q", "severity", "field", "status", "found_from", "found_to"]


class SwapFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=ShiftSwap.Status.choices, label=_("status"))

    class Meta:
        model = ShiftSwap
        fields = ["status"]


class InformationReportFilter(VoidStateFilterSet):
    q = django_filters.CharFilter(field_name="content", lookup_expr="icontains", label=_("Search"))
    recipient = django_filters.CharFilter(lookup_expr="icontains", label=_("sent to"))
    sent_from = django_filters.DateFilter(
        field_name="sent_at",
        lookup_expr="date__gte",
        label=_("Sent from"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    sent_to = django_filters.DateFilter(
        field_name="sent_at",
        lookup_expr="date__lte",
        label=_("Sent until"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    class Meta:
        model = InformationReport
        fields = ["q", "recipient", "sent_from", "sent_to"]


class ReviewFilter(VoidStateFilterSet):
    year = YearFilter(label=_("year"))

    class Meta:
        model = OpinionReview
        fields = ["year"]
