import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ideology_office.accounts.models import OrgUnit
from ideology_office.common.filters import VoidStateFilterSet, YesNoFilter

from .models import Inspection, Mechanism, RectificationTask


class TaskFilter(VoidStateFilterSet):
    # A task is out of use when its finding or its inspection is voided too.
    void_lookups = ("voided_at", "finding__voided_at", "finding__inspection__voided_at")

    state = django_filters.ChoiceFilter(label=_("State"), choices=RectificationTask.State.choices)
    inspection = django_filters.ModelChoiceFilter(
        label=_("Inspection"), field_name="finding__inspection", queryset=Inspection.objects.active()
    )
    responsible_unit = django_filters.ModelChoiceFilter(
        label=_("Responsible unit"), queryset=OrgUnit.objects.exclude(kind=OrgUnit.Kind.COUNTY_UNIT)
    )
    overdue = YesNoFilter(label=_("Overdue only"), method="filter_overdue")
    search = django_filters.CharFilter(label=_("Search"), method="filter_search")

    class Meta:
        model = RectificationTask
        fields = ["state", "inspection", "responsible_unit"]

    # A county has thousands of inspections: the drop-down offers the latest ones still being
    # rectified (and the one chosen, e.g. from an inspection's page); any active one is accepted.
    INSPECTION_CHOICES = 200

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.form.fields["inspection"]
        offered = list(
            Inspection.objects.active()
            .filter(status=Inspection.Status.OPEN)
            .order_by("-date", "-pk")[: self.INSPECTION_CHOICES]
        )
        chosen = self.form.data.get(self.form.add_prefix("inspection")) if self.form.is_bound else None
        if chosen and str(chosen).isdigit() and all(str(item.pk) != str(chosen) for item in offered):
            offered += list(Inspection.objects.active().filter(pk=int(chosen)))
        field.widget.choices = [("", field.empty_label), *((item.pk, str(item)) for item in offered)]

    def filter_overdue(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.exclude(state=RectificationTask.State.CLOSED).filter(
            deadline__lt=timezone.localdate()
        )

    def filter_search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(measure__icontains=value)
            | Q(finding__description__icontains=value)
            | Q(responsible_person__real_name__icontains=value)
        )


class InspectionFilter(VoidStateFilterSet):
    source = django_filters.ChoiceFilter(label=_("Source"), choices=Inspection.Source.choices)
    status = django_filters.ChoiceFilter(label=_("Status"), choices=Inspection.Status.choices)

    class Meta:
        model = Inspection
        fields = ["source", "status"]


class MechanismFilter(VoidStateFilterSet):
    class Meta:
        model = Mechanism
        fields = []
