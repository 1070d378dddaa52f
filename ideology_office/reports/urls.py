from django.urls import path

from . import views
from .ledger_views import (
    ledger_download,
    ledger_export_create,
    ledger_export_detail,
    ledger_export_download,
    ledger_list,
)

app_name = "reports"

urlpatterns = [
    path("annual/", views.annual_figures_view, name="annual_figures"),
    path("annual/figures/", views.figure_records_view, name="figure_records"),
    path("annual/report.docx", views.annual_report_download, name="annual_report_download"),
    path("template/default.docx", views.default_template_download, name="default_template"),
    path("ledgers/", ledger_list, name="ledger_list"),
    path("ledgers/exports/", ledger_export_create, name="ledger_export_create"),
    path("ledgers/exports/<int:pk>/", ledger_export_detail, name="ledger_export"),
    path("ledgers/exports/<int:pk>/download/", ledger_export_download, name="ledger_export_download"),
    path("ledgers/<slug:key>.xlsx", ledger_download, name="ledger_download"),
]
