import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ideology_office.common.filters import YesNoFilter

from .models import ContentItem, Platform


class ContentItemFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="search")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=ContentItem.Status.choices)
    platform = django_filters.ModelChoiceFilter(
        label=_("Platform"), queryset=Platform.objects.exclude(kind__in=Platform.PHYSICAL_KINDS)
    )
    mine = YesNoFilter(label=_("Only mine"), method="only_mine")

    class Meta:
        model = ContentItem
        fields = ["q", "status", "platform"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(title__icontains=value) | Q(author__real_name__icontains=value))

    def only_mine(self, queryset, name, value):
        return queryset.filter(author=self.request.user) if value else queryset
