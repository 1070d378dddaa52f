import django_filters

from .models import Dossier


class DossierFilter(django_filters.FilterSet):
    title = django_filters.CharFilter(lookup_expr="icontains")

    class Meta:
        model = Dossier
        fields = ["title"]
