from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("annual/", views.annual_figures_view, name="annual_figures"),
    path("annual/report.docx", views.annual_report_download, name="annual_report_download"),
    path("template/default.docx", views.default_template_download, name="default_template"),
]
