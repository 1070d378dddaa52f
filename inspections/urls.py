from django.urls import path

from . import views

app_name = "inspections"

urlpatterns = [
    path("", views.index, name="index"),
    path("list/", views.inspection_list, name="inspection_list"),
    path("new/", views.inspection_create, name="inspection_create"),
    path("self-inspection/new/", views.self_inspection_create, name="self_inspection_create"),
    path("<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("<int:pk>/close/", views.inspection_close, name="inspection_close"),
    path("<int:pk>/findings/new/", views.finding_create, name="finding_create"),
    path("findings/<int:pk>/", views.finding_detail, name="finding_detail"),
    path("findings/<int:pk>/close/", views.finding_close, name="finding_close"),
    path("findings/<int:pk>/tasks/new/", views.task_create, name="task_create"),
    path("tasks/", views.task_list, name="task_list"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/edit/", views.task_edit, name="task_edit"),
    path("tasks/<int:pk>/progress/", views.task_progress, name="task_progress"),
    path("tasks/<int:pk>/submit/", views.task_submit, name="task_submit"),
    path("tasks/<int:pk>/return/", views.task_return, name="task_return"),
    path("tasks/<int:pk>/close/", views.task_close, name="task_close"),
    path("tasks/<int:pk>/reopen/", views.task_reopen, name="task_reopen"),
    path("tasks/<int:pk>/extension/", views.extension_request, name="extension_request"),
    path("extensions/<int:pk>/decide/", views.extension_decide, name="extension_decide"),
    path("checklist-results/<int:pk>/", views.checklist_result_edit, name="checklist_result_edit"),
    path("mechanisms/", views.mechanism_list, name="mechanism_list"),
    path("mechanisms/new/", views.mechanism_create, name="mechanism_create"),
    path("findings/choices/", views.finding_choices, name="finding_choices"),
    path("mechanisms/<int:pk>/", views.mechanism_detail, name="mechanism_detail"),
    path("ledger/", views.ledger_print, name="ledger_print"),
    path("ledger/export/", views.ledger_export, name="ledger_export"),
]
