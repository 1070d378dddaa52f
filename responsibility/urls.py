from django.urls import path

from . import views

app_name = "responsibility"

urlpatterns = [path("", views.index, name="index")]
