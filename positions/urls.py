from django.urls import path

from . import views

app_name = "positions"

urlpatterns = [
    path("", views.index, name="index"),
    path("items/", views.item_list, name="item_list"),
    path("items/new/", views.item_create, name="item_create"),
    path("items/queue/", views.queue, name="queue"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/submit/", views.item_submit, name="item_submit"),
    path("items/<int:pk>/sign/", views.item_sign, name="item_sign"),
    path("items/<int:pk>/assign/", views.item_assign, name="item_assign"),
    path("items/<int:pk>/publish/", views.item_publish, name="item_publish"),
    path("items/<int:pk>/takedown/", views.item_act, name="item_act"),
    path("items/<int:pk>/review-form/", views.item_review_form, name="item_review_form"),
    path("items/<int:pk>/review-form.docx", views.item_review_form_docx, name="item_review_form_docx"),
    path("ledger/", views.ledger_export, name="ledger_export"),
    path("platforms/", views.platform_list, name="platform_list"),
    path("platforms/<int:pk>/", views.platform_detail, name="platform_detail"),
    path(
        "platforms/<int:platform_pk>/updates/new/",
        views.physical_update_create,
        name="physical_update_create",
    ),
    path("updates/<int:pk>/", views.physical_update_detail, name="physical_update_detail"),
    path("key-dates/", views.key_date_list, name="key_date_list"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/<int:pk>/done/", views.task_complete, name="task_complete"),
]
