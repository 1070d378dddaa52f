"""Selects are written in Python by the form renderer (``common.widgets.written_select``), not
through a template per option: the output must be what the templates write, for every kind of
select the product uses, escaped the same way."""

import re

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.safestring import mark_safe

from ideology_office.common.filters import YesNoSelect
from ideology_office.common.forms import PersonChoiceField, ProjectFormRenderer
from ideology_office.common.widgets import PersonSelect, SearchableSelectMultiple

CHOICES = [
    ("", "---------"),
    (1, "综合股 <b>&\"'"),
    (2, mark_safe("<em>宣传股</em>")),  # noqa: S308 - a label already safe is not escaped again
    ("组 <i>", [(3, "甲"), (4, "乙")]),
]


def _normal(html: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


def _both(widget: forms.Widget, name: str, value, attrs=None) -> tuple[str, str]:
    """What the renderer writes, and what the templates write for the same widget context."""
    renderer = ProjectFormRenderer()
    written = widget.render(name, value, attrs=attrs, renderer=renderer)
    context = widget.get_context(name, value, attrs)
    templated = TemplatesSetting.render(renderer, widget.template_name, context)
    return written, templated


@pytest.mark.parametrize("value", [None, "", "2", 2, 4, "nonsense"])
def test_a_select_is_written_as_the_templates_write_it(value):
    attrs = {
        "id": "id_section",
        "class": "form-select",
        "aria-describedby": "x",
        "required": True,
        "disabled": False,
    }
    written, templated = _both(forms.Select(choices=CHOICES), "section", value, attrs)
    assert _normal(written) == _normal(templated)
    assert "\n" not in written, "written in Python, not by the templates"
    assert "综合股 &lt;b&gt;&amp;&quot;&#x27;" in written
    assert "<em>宣传股</em>" in written
    assert '<optgroup label="组 &lt;i&gt;">' in written
    assert (
        ">请选择…</option>" in written
    )  # Django's dashes, as templates/django/forms/widgets/select_option.html says


def _with_choices(widget: forms.SelectMultiple) -> forms.SelectMultiple:
    widget.choices = CHOICES
    return widget


@pytest.mark.parametrize(
    ("widget", "value"),
    [
        (forms.SelectMultiple(choices=CHOICES), [1, 3]),
        (_with_choices(SearchableSelectMultiple(placeholder="找人")), ["4"]),
        (forms.NullBooleanSelect(), True),
        (YesNoSelect(), "false"),
        (forms.Select(choices=[(1, "一")], attrs={"hx-get": "/a?b=1&c=2", "data-x": 0}), 1),
    ],
)
def test_every_kind_of_select_is_written_as_the_templates_write_it(widget, value):
    written, templated = _both(widget, "field", value)
    assert _normal(written) == _normal(templated)


@pytest.mark.django_db
def test_a_bounded_person_select_keeps_its_note_for_browsers_without_javascript(django_user_model):
    people = django_user_model.objects.bulk_create(
        django_user_model(username=f"p{n}", real_name=f"人{n}", password="!") for n in range(90)
    )
    field = PersonChoiceField(queryset=django_user_model.objects.order_by("username"), shown=10)
    widget = field.widget
    written, templated = _both(widget, "host", people[50].pk)
    assert field.bounded
    assert _normal(written) == _normal(templated)
    assert "<noscript>" in written and "data-search-url" in written
    assert isinstance(widget, PersonSelect)


def test_an_option_with_a_template_of_its_own_is_left_to_the_templates():
    class Special(forms.Select):
        option_template_name = "django/forms/widgets/input.html"

    renderer = ProjectFormRenderer()
    written = Special(choices=[(1, "一")]).render("special", 1, renderer=renderer)
    assert "\n" in written, "rendered through the templates"


def test_a_form_renders_its_selects_through_the_python_writer():
    """Through the project's renderer (FORM_RENDERER), with no renderer named by the form."""

    class Form(forms.Form):
        kind = forms.ChoiceField(choices=[("a", "甲"), ("b", "乙")])

    html = str(Form()["kind"])
    assert html.startswith('<select name="kind"') and "\n" not in html
