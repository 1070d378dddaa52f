"""The product's URLconf plus one trivial view, for bench/dashboard.py: the ceiling of a request
through the same middleware (sessions, authentication, CSP, axes, htmx, audit …) that does no work."""

from django.http import HttpResponse
from django.urls import include, path


def ok(request):
    return HttpResponse("ok")


urlpatterns = [
    path("__bench__/ok", ok, name="bench_ok"),
    path("", include("ideology_office.urls")),
]
