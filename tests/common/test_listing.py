import re

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django_htmx.middleware import HtmxDetails

from ideology_office.accounts import policy
from ideology_office.common.listing import CountedWithRowsPaginator, render_list
from tests.testapp.filters import DossierFilter
from tests.testapp.models import Dossier

# The same page but for the CSRF token (a new one each request).
CSRF_TOKEN = re.compile(r'"X-CSRFToken": "[^"]+"|name="csrfmiddlewaretoken" value="[^"]+"')


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


def dossier_page(user, params, **options) -> str:
    """The dossiers list page as ``render_list`` writes it for ``params``."""
    return render_list(
        make_request(user, params),
        "testapp/dossier_list.html",
        queryset=Dossier.objects.order_by("title"),
        filterset_class=DossierFilter,
        **options,
    ).content.decode()


def _counted_page(user, page, **filters):
    return dossier_page(user, {**filters, "page": page}, paginator_class=CountedWithRowsPaginator)


@pytest.mark.django_db
def test_a_list_counted_with_its_rows_asks_one_query_fewer_and_says_the_same(staff, many_dossiers):
    policy.current()
    # Each page as its own request: a fresh copy of the person (their roles are read once a request).
    person = type(staff).objects.get(pk=staff.pk)
    with CaptureQueriesContext(connection) as plain_queries:
        plain = dossier_page(person, {"title": "记录", "page": "2"})
    person = type(staff).objects.get(pk=staff.pk)
    with CaptureQueriesContext(connection) as counted_queries:
        counted = _counted_page(person, "2", title="记录")
    assert CSRF_TOKEN.sub("", counted) == CSRF_TOKEN.sub("", plain)
    assert "第 26–30 条，共 30 条" in counted
    assert len(counted_queries) == len(plain_queries) - 1
    dossiers = Dossier._meta.db_table
    assert [q for q in plain_queries if "COUNT(*) AS" in q["sql"] and dossiers in q["sql"]]
    assert not [q for q in counted_queries if "COUNT(*) AS" in q["sql"] and dossiers in q["sql"]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("asked", "shown"),
    [
        ("9", "第 26–30 条，共 30 条"),
        ("99999999999999999999", "第 26–30 条，共 30 条"),
        ("-3", "第 26–30 条，共 30 条"),
        ("0", "第 26–30 条，共 30 条"),
        ("二", "第 1–25 条，共 30 条"),
        ("", "第 1–25 条，共 30 条"),
    ],
)
def test_a_list_counted_with_its_rows_answers_a_page_out_of_range_or_not_a_number_as_django_does(
    staff, many_dossiers, asked, shown
):
    # Out of range: the last page (the count asked apart, as Django's paginator does); not a number: the first.
    counted = _counted_page(staff, asked, title="记录")
    plain = dossier_page(staff, {"title": "记录", "page": asked})
    assert CSRF_TOKEN.sub("", counted) == CSRF_TOKEN.sub("", plain)
    assert shown in counted


@pytest.mark.django_db
def test_a_distinct_list_is_counted_apart_as_by_django(staff, many_dossiers):
    # COUNT(*) OVER () would count the rows DISTINCT removes afterwards.
    request = make_request(staff, {"page": "2"})
    distinct = Dossier.objects.filter(title__startswith="记录").order_by("title").distinct()
    with CaptureQueriesContext(connection) as queries:
        page = CountedWithRowsPaginator(distinct, 25).get_page(request.GET["page"])
        rows = list(page.object_list)
    assert page.paginator.count == 30
    assert [row.title for row in rows] == [f"记录{number:02d}" for number in range(25, 30)]
    assert [q for q in queries if "COUNT(" in q["sql"] and "OVER" not in q["sql"]]


@pytest.mark.django_db
def test_an_empty_list_counted_with_its_rows_says_so(staff, many_dossiers):
    html = _counted_page(staff, "1", title="没有这样的记录")
    assert '<ul id="results"></ul>' in html
