import pytest
from django.test import RequestFactory
from django_htmx.middleware import HtmxDetails

from ideology_office.accounts import policy
from ideology_office.common.listing import render_list
from tests.testapp.filters import DossierFilter
from tests.testapp.models import Dossier


def make_request(user, params, *, htmx=False):
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    request = RequestFactory().get("/dossiers/", params, **headers)
    request.user = user
    request.htmx = HtmxDetails(request)
    return request


@pytest.fixture
def many_dossiers(staff):
    Dossier.objects.bulk_create([Dossier(title=f"记录{number:02d}", owner=staff) for number in range(30)])
    Dossier.objects.create(title="其他", owner=staff)


@pytest.mark.django_db
def test_list_filters_and_paginates(staff, many_dossiers, django_assert_max_num_queries):
    request = make_request(staff, {"title": "记录", "page": "2"})
    policy.current()  # the sign-in policy is read once per cache period, not on every page
    with django_assert_max_num_queries(4):
        response = render_list(
            request,
            "testapp/dossier_list.html",
            queryset=Dossier.objects.order_by("title"),
            filterset_class=DossierFilter,
        )
    html = response.content.decode()
    assert "<h1>DOSSIERS</h1>" in html
    assert html.count("<li>记录") == 5
    assert "其他" not in html
    assert "第 26–30 条，共 30 条" in html


@pytest.mark.django_db
def test_an_htmx_filter_change_gets_only_the_results(staff, many_dossiers):
    request = make_request(staff, {"title": "其他"}, htmx=True)
    html = render_list(
        request,
        "testapp/dossier_list.html",
        queryset=Dossier.objects.order_by("title"),
        filterset_class=DossierFilter,
    ).content.decode()
    assert "<h1>" not in html
    assert html.strip().startswith('<ul id="results">')
    assert "<li>其他</li>" in html
