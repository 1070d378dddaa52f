from django.urls import path

from . import views, voiding

app_name = "common"

urlpatterns = [
    path("attachments/<int:pk>/download/", views.attachment_download, name="attachment_download"),
    path("attachments/<int:pk>/void/", views.attachment_void, name="attachment_void"),
    path(
        "attachments/upload/<int:content_type_id>/<str:object_id>/",
        views.attachment_upload,
        name="attachment_upload",
    ),
    path("choices/people/", views.people_choices, name="people_choices"),
    path("void/<int:content_type_id>/<str:object_id>/", voiding.record_void_page, name="record_void"),
]
