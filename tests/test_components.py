"""The shared UI components: pagination keeps the filters, breadcrumbs, forms show errors."""

import pytest
from django import forms
from django.core.paginator import Paginator
from django.template import Context, RequestContext, Template
from django.test import RequestFactory


def render(source, request=None, **context):
    if request is not None:
        return Template(source).render(RequestContext(request, context))
    return Template(source).render(Context(context))


def test_pagination_links_keep_the_other_query_parameters():
    request = RequestFactory().get("/study/sessions/", {"kind": "central_group", "page": "2"})
    page = Paginator(list(range(95)), 10).page(2)
    html = render('{% include "components/pagination.html" %}', request=request, page_obj=page)
    assert "?kind=central_group&amp;page=1" in html
    assert "?kind=central_group&amp;page=3" in html
    assert 'aria-current="page"><span class="page-link">2</span>' in html
    assert "第 11–20 条，共 95 条" in html


def test_pagination_is_hidden_for_a_single_page():
    request = RequestFactory().get("/")
    page = Paginator([1, 2], 10).page(1)
    assert render('{% include "components/pagination.html" %}', request=request, page_obj=page).strip() == ""


def test_breadcrumbs_link_every_level_but_the_last():
    html = render(
        '{% include "components/breadcrumbs.html" %}',
        crumbs=[("理论学习", "/study/"), ("学习活动", None)],
    )
    assert '<a href="/study/">理论学习</a>' in html
    assert 'class="breadcrumb-item active" aria-current="page">学习活动' in html


class SampleForm(forms.Form):
    title = forms.CharField(label="标题", max_length=5)
    held_on = forms.DateField(label="日期")
    kind = forms.ChoiceField(label="类别", choices=[("a", "甲")])
    dedicated = forms.BooleanField(label="专题", required=False)


def test_forms_render_field_errors_in_chinese_next_to_the_field():
    form = SampleForm(data={"title": "太长的一个标题", "held_on": "不是日期", "kind": "z"})
    html = form.render()
    assert 'class="form-control is-invalid"' in html
    assert 'class="form-select is-invalid"' in html
    assert 'class="form-check-input"' in html
    assert "请改正下列错误" in html
    assert "确保该变量包含不超过 5 字符" in html
    assert "输入一个有效的日期" in html
    assert "选择一个有效的选项" in html
    assert 'aria-describedby="id_title_errors"' in html


@pytest.mark.django_db
def test_favicon_is_served_without_login(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("favicon.svg")


def test_the_filter_bar_filters_as_you_go_and_still_submits_without_javascript(db):
    from study.filters import MaterialFilter
    from study.models import StudyMaterial

    request = RequestFactory().get("/study/materials/", {"q": "讲话"})
    filterset = MaterialFilter(request.GET, queryset=StudyMaterial.objects.all(), request=request)
    html = render('{% include "components/filter_bar.html" %}', request=request, filter=filterset)
    assert 'method="get"' in html and 'action="/study/materials/"' in html
    assert 'hx-get="/study/materials/"' in html and 'hx-target="#results"' in html
    # A choice applies at once, a search after a pause in typing; the button is the fallback.
    assert "change, submit, keyup changed delay:400ms" in html
    assert 'type="submit"' in html
    assert 'value="讲话"' in html
    # The yes/no filter offers 全部/是/否; the labels do not wrap one character per line.
    assert "全部" in html and "未知" not in html
    assert html.count("text-nowrap") == len(filterset.form.fields)


def test_every_area_s_form_page_is_the_shared_component(client, leader):
    from django.urls import reverse

    client.force_login(leader)
    for name in (
        "sentiment:incident_create",
        "responsibility:meeting_create",
        "inspections:inspection_create",
    ):
        html = client.get(reverse(name)).content.decode()
        assert 'data-testid="form-page"' in html, name
        assert 'data-testid="save"' in html, name
    html = client.get(reverse("sentiment:incident_create")).content.decode()
    assert f'href="{reverse("sentiment:index")}"' in html
