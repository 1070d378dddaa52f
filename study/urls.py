from django.urls import path

from . import views

app_name = "study"

urlpatterns = [
    path("", views.index, name="index"),
    path("sessions/", views.session_list, name="session_list"),
    path("sessions/new/", views.session_create, name="session_create"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("reading-classes/new/", views.reading_class_create, name="reading_class_create"),
    path("materials/", views.material_list, name="material_list"),
    path("materials/new/", views.material_form, name="material_create"),
    path("materials/<int:pk>/", views.material_detail, name="material_detail"),
    path("materials/<int:pk>/edit/", views.material_form, name="material_edit"),
    path("points/", views.points_ranking, name="points_ranking"),
    path("points/bulletins/new/", views.bulletin_create, name="bulletin_create"),
    path("points/bulletins/<int:pk>/", views.bulletin_detail, name="bulletin_detail"),
    path("points/bulletins/<int:pk>/publish/", views.bulletin_publish, name="bulletin_publish"),
    path("import/", views.import_page, name="import"),
    path("import/template/<str:kind>/", views.import_template, name="import_template"),
    path("import/jobs/<int:pk>/", views.import_job, name="import_job"),
]
