import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ideology_office.accounts.models import OrgUnit
from ideology_office.common.filters import VoidStateFilterSet, YesNoFilter

from .models import StudyMaterial, StudySession, Tag


class SessionFilter(VoidStateFilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=StudySession.Kind.choices)
    section = django_filters.ModelChoiceFilter(
        label=_("organising section"), queryset=OrgUnit.objects.exclude(kind=OrgUnit.Kind.COUNTY_UNIT)
    )
    tag = django_filters.ModelChoiceFilter(label=_("Topic tag"), queryset=Tag.objects.all(), method="by_tag")
    date_from = django_filters.DateFilter(
        label=_("From"), field_name="date", lookup_expr="gte", widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = django_filters.DateFilter(
        label=_("To"), field_name="date", lookup_expr="lte", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = StudySession
        fields = []

    def search(self, queryset, name, value):
        return queryset.filter(Q(topic__icontains=value) | Q(place__icontains=value))

    def by_tag(self, queryset, name, value):
        return queryset.filter(tags__name=value.name)


class MaterialFilter(VoidStateFilterSet):
    q = django_filters.CharFilter(label=_("Search"), field_name="title", lookup_expr="icontains")
    kind = django_filters.ChoiceFilter(label=_("kind"), choices=StudyMaterial.Kind.choices)
    studied = YesNoFilter(label=_("Studied"), method="by_studied")

    class Meta:
        model = StudyMaterial
        fields = []

    def by_studied(self, queryset, name, value):
        return queryset.filter(first_studied_on__isnull=not value)
