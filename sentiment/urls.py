from django.urls import path

from . import views

app_name = "sentiment"

urlpatterns = [
    path("", views.index, name="index"),
    path("incidents/", views.incident_list, name="incident_list"),
    path("incidents/new/", views.incident_create, name="incident_create"),
    path("incidents/<int:pk>/", views.incident_detail, name="incident_detail"),
    path("incidents/<int:pk>/edit/", views.incident_update, name="incident_update"),
    path("roster/", views.roster_current, name="roster_current"),
    path("roster/<int:year>/<int:month>/", views.roster_month, name="roster_month"),
    path("roster/<int:year>/<int:month>/export/", views.roster_export, name="roster_export"),
    path("roster/generate/", views.roster_generate, name="roster_generate"),
    path("roster/<int:pk>/publish/", views.roster_publish, name="roster_publish"),
    path("roster/<int:pk>/shifts/new/", views.shift_create, name="shift_create"),
    path("shifts/<int:pk>/", views.shift_detail, name="shift_detail"),
    path("shifts/<int:pk>/edit/", views.shift_update, name="shift_update"),
    path("shifts/<int:pk>/swap/", views.shift_swap_request, name="shift_swap_request"),
    path("shifts/<int:pk>/reassign/", views.shift_reassign, name="shift_reassign"),
    path("shifts/<int:pk>/handover/", views.handover_write, name="handover_write"),
    path("shifts/<int:pk>/log/new/", views.duty_log_add, name="duty_log_add"),
    path("shifts/<int:pk>/reports/new/", views.information_report_add, name="information_report_add"),
    path("handovers/<int:pk>/accept/", views.handover_accept, name="handover_accept"),
    path("swaps/", views.swap_list, name="swap_list"),
    path("swaps/<int:pk>/<str:decision>/", views.swap_decide, name="swap_decide"),
    path("incidents/choices/", views.incident_choices, name="incident_choices"),
    path("reports/", views.information_report_list, name="information_report_list"),
    path("calendar/", views.duty_feed_settings, name="duty_feed_settings"),
    path("calendar/regenerate/", views.duty_feed_regenerate, name="duty_feed_regenerate"),
    path("calendar/<str:token>.ics", views.duty_feed, name="duty_feed"),
    path("reviews/", views.review_list, name="review_list"),
    path("reviews/new/", views.review_create, name="review_create"),
    path("reviews/<int:pk>/", views.review_detail, name="review_detail"),
    path("reviews/<int:pk>/edit/", views.review_update, name="review_update"),
    path("reviews/<int:pk>/carry-over/", views.review_carry_over, name="review_carry_over"),
    path("reviews/<int:pk>/risks/new/", views.risk_create, name="risk_create"),
    path("risks/<int:pk>/", views.risk_detail, name="risk_detail"),
    path("risks/<int:pk>/edit/", views.risk_update, name="risk_update"),
]
