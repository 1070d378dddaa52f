from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from ideology_office.common.contracts import contracts
from ideology_office.common.views import favicon

admin.site.site_header = _("Ideology Work Responsibility System: administration")
admin.site.site_title = _("Administration")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("", include("ideology_office.dashboard.urls")),
    path("accounts/", include("ideology_office.accounts.urls")),
    path("files/", include("ideology_office.common.urls")),
    path("inbox/", include("ideology_office.notifications.urls")),
    path("reports/", include("ideology_office.reports.urls")),
    # Each work area's pages, mounted at its label by its contract.
    *(path(f"{contract.label}/", include(contract.urls)) for contract in contracts() if contract.urls),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin's).
    path("favicon.ico", favicon, name="favicon"),
]
